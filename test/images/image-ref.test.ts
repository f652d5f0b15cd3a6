import { describe, expect, it } from 'vitest';
import { RegistryClient, formatImageRef, imageName, nextLink, parseChallenges, parseCredentials, parseImageRef, registryBaseUrl } from '../../src/images/index.ts';

describe('parseImageRef', () => {
  it('maps Docker Hub names', () => {
    expect(parseImageRef('nginx:1.27')).toMatchObject({ registry: 'docker.io', repository: 'library/nginx', tag: '1.27' });
    expect(parseImageRef('bitnami/redis')).toMatchObject({ registry: 'docker.io', repository: 'bitnami/redis' });
    expect(parseImageRef('index.docker.io/library/nginx')).toMatchObject({ registry: 'docker.io', repository: 'library/nginx' });
    expect(registryBaseUrl('docker.io').href).toBe('https://index.docker.io/');
    expect(imageName(parseImageRef('nginx'))).toBe('nginx');
  });

  it('reads registries with ports, tags and digests, and keeps the name as written', () => {
    const digest = `sha256:${'0'.repeat(64)}`;
    const ref = parseImageRef(`127.0.0.1:5000/shop/api:v1.2@${digest}`);
    expect(ref).toEqual({ name: '127.0.0.1:5000/shop/api', registry: '127.0.0.1:5000', repository: 'shop/api', tag: 'v1.2', digest });
    expect(formatImageRef({ ...ref, tag: 'v1.3' })).toBe(`127.0.0.1:5000/shop/api:v1.3@${digest}`);
    expect(registryBaseUrl('127.0.0.1:5000').href).toBe('http://127.0.0.1:5000/');
    expect(registryBaseUrl('ghcr.io').href).toBe('https://ghcr.io/');
  });

  it('rejects invalid references, naming them', () => {
    expect(() => parseImageRef('Shop/API:1')).toThrow('image "Shop/API:1": invalid repository "Shop/API"');
    expect(() => parseImageRef('a:bad tag')).toThrow(/invalid tag/);
  });
});

describe('registry protocol helpers', () => {
  it('parses WWW-Authenticate challenges', () => {
    expect(parseChallenges('Bearer realm="https://auth.example/token",service="registry.example",scope="repository:a/b:pull,push"')).toEqual([
      { scheme: 'bearer', params: { realm: 'https://auth.example/token', service: 'registry.example', scope: 'repository:a/b:pull,push' } },
    ]);
    expect(parseChallenges('Basic realm="x", Bearer realm=https://t/ , error="invalid_token"')).toEqual([
      { scheme: 'basic', params: { realm: 'x' } },
      { scheme: 'bearer', params: { realm: 'https://t/', error: 'invalid_token' } },
    ]);
  });

  it('resolves the Link header against the registry URL', () => {
    const base = new URL('http://127.0.0.1:5000/');
    expect(nextLink('</v2/a/tags/list?last=b&n=2>; rel="next"', base)?.href).toBe('http://127.0.0.1:5000/v2/a/tags/list?last=b&n=2');
    expect(nextLink('<https://other.example/v2/a/tags/list?last=c>; rel=next', base)?.href).toBe('https://other.example/v2/a/tags/list?last=c');
    expect(nextLink('</x>; rel="prev"', base)).toBeUndefined();
  });

  it('reads docker config.json credentials under any spelling of the host', async () => {
    const lookup = parseCredentials(
      'config.json',
      JSON.stringify({
        auths: {
          'https://index.docker.io/v1/': { auth: Buffer.from('hub:pw:with:colons').toString('base64') },
          'ghcr.io': { username: 'u', password: 'p' },
          'http://127.0.0.1:5000': { auth: Buffer.from('local:secret').toString('base64') },
        },
      }),
    );
    expect(await lookup('docker.io')).toEqual({ username: 'hub', password: 'pw:with:colons' });
    expect(await lookup('ghcr.io')).toEqual({ username: 'u', password: 'p' });
    expect(await lookup('127.0.0.1:5000')).toEqual({ username: 'local', password: 'secret' });
    expect(await lookup('quay.io')).toBeUndefined();
  });
});

describe('RegistryClient URLs', () => {
  it('asks index.docker.io for library/ images, with the Accept headers for a digest', async () => {
    const seen: { url: string; method: string; accept: string | null }[] = [];
    const client = new RegistryClient({
      fetch: async (input, init) => {
        seen.push({ url: String(input), method: init?.method ?? 'GET', accept: new Headers(init?.headers).get('accept') });
        return String(input).includes('/tags/list')
          ? Response.json({ name: 'library/nginx', tags: ['1.27'] })
          : new Response(null, { status: 200, headers: { 'docker-content-digest': `sha256:${'1'.repeat(64)}` } });
      },
    });
    expect(await client.listTags('nginx')).toEqual(['1.27']);
    expect(await client.manifestDigest('docker.io/nginx', '1.27')).toBe(`sha256:${'1'.repeat(64)}`);
    expect(seen).toEqual([
      { url: 'https://index.docker.io/v2/library/nginx/tags/list', method: 'GET', accept: 'application/json' },
      {
        url: 'https://index.docker.io/v2/library/nginx/manifests/1.27',
        method: 'HEAD',
        accept:
          'application/vnd.oci.image.index.v1+json, application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.list.v2+json, application/vnd.docker.distribution.manifest.v2+json',
      },
    ]);
  });
});
