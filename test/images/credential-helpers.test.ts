// Docker credential helpers (credHelpers, credsStore) run for real: a shell-script helper
// `docker-credential-strata-test` on the PATH speaks the protocol (`get`, server URL on stdin,
// JSON on stdout), and the real registry (htpasswd) accepts what it hands out.
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CredentialHelperError, RegistryClient, RegistryError, parseCredentials, readCredentialsFile, runCredentialHelper } from '../../src/images/index.ts';
import { startRegistry, type TestRegistry } from '../registry/registry.ts';

// Answers from a store file of `<server URL> <username> <secret>` lines; logs each request.
// Errors go to stdout with exit 1, as docker-credential-helpers' Serve does.
const HELPER = `#!/bin/sh
set -u
dir=$(dirname "$0")
[ "$1" = get ] || { echo "unknown action: $1"; exit 1; }
read -r server || true
echo "$server" >> "$dir/requests.log"
[ -f "$dir/broken" ] && { echo "the keychain is locked" >&2; exit 3; }
[ -f "$dir/garbage" ] && { echo "not json $(cat "$dir/garbage")"; exit 0; }
line=$(grep -F "$server " "$dir/store" | head -n 1)
if [ -z "$line" ]; then echo "credentials not found in native keychain"; exit 1; fi
user=$(echo "$line" | cut -d' ' -f2)
secret=$(echo "$line" | cut -d' ' -f3)
printf '{"ServerURL":"%s","Username":"%s","Secret":"%s"}\\n' "$server" "$user" "$secret"
`;

describe('docker credential helpers', () => {
  let registry: TestRegistry;
  let bin: string;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    registry = await startRegistry();
    await registry.push('shop/checkout-api', ['1.0.0', '1.1.0']);
    bin = await mkdtemp(path.join(tmpdir(), 'strata-cred-helper-'));
    await writeFile(path.join(bin, 'docker-credential-strata-test'), HELPER);
    await chmod(path.join(bin, 'docker-credential-strata-test'), 0o755);
    env = { ...process.env, PATH: `${bin}${path.delimiter}${process.env.PATH ?? ''}` };
  });
  afterAll(async () => {
    await registry?.stop();
    if (bin !== undefined) await rm(bin, { recursive: true, force: true });
  });

  async function store(lines: string[], flags: { broken?: boolean; garbage?: string } = {}): Promise<void> {
    await writeFile(path.join(bin, 'store'), lines.map((line) => `${line}\n`).join(''));
    await writeFile(path.join(bin, 'requests.log'), '');
    await rm(path.join(bin, 'broken'), { force: true });
    await rm(path.join(bin, 'garbage'), { force: true });
    if (flags.broken === true) await writeFile(path.join(bin, 'broken'), '');
    if (flags.garbage !== undefined) await writeFile(path.join(bin, 'garbage'), flags.garbage);
  }
  const requests = async () => (await readFile(path.join(bin, 'requests.log'), 'utf8')).split('\n').filter(Boolean);

  it('authenticates at the real registry with what credHelpers[host] hands out', async () => {
    await store([`${registry.host} ${registry.username} ${registry.password}`]);
    const dir = await mkdtemp(path.join(tmpdir(), 'strata-docker-config-'));
    const file = path.join(dir, 'config.json');
    // The plain auths entry is wrong: the helper must win over it.
    await writeFile(file, JSON.stringify({ credHelpers: { [registry.host]: 'strata-test' }, auths: { [registry.host]: { username: registry.username, password: 'wrong' } } }));
    const client = new RegistryClient({ credentials: await readCredentialsFile(file, false, { env }) });
    expect([...(await client.listTags(`${registry.host}/shop/checkout-api`))].sort()).toEqual(['1.0.0', '1.1.0']);
    expect(await requests()).toEqual([registry.host]);
    await rm(dir, { recursive: true, force: true });
  });

  it('uses credsStore when no credHelpers entry names the host', async () => {
    await store([`${registry.host} ${registry.username} ${registry.password}`]);
    const lookup = parseCredentials('config.json', JSON.stringify({ credsStore: 'strata-test', credHelpers: { 'ghcr.io': 'absent-helper' } }), { env });
    const client = new RegistryClient({ credentials: lookup });
    expect(await client.listTags(`${registry.host}/shop/checkout-api`)).toHaveLength(2);
  });

  it('treats "credentials not found" as none: anonymous, so the registry refuses clearly', async () => {
    await store([]);
    const lookup = parseCredentials('config.json', JSON.stringify({ credsStore: 'strata-test' }), { env });
    expect(await lookup(registry.host)).toBeUndefined();
    const client = new RegistryClient({ credentials: lookup });
    const error = await client.listTags(`${registry.host}/shop/checkout-api`).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RegistryError);
    expect((error as Error).message).toMatch(/requires authentication .* no credentials are configured/);
  });

  it('falls back to the auths entry when the helper has nothing', async () => {
    await store([]);
    const lookup = parseCredentials('config.json', JSON.stringify({ credsStore: 'strata-test', auths: { [registry.host]: { username: 'u', password: 'p' } } }), { env });
    expect(await lookup(registry.host)).toEqual({ username: 'u', password: 'p' });
  });

  it('passes Docker Hub as https://index.docker.io/v1/ and a registry as its host', async () => {
    await store(['https://index.docker.io/v1/ hubuser hubsecret', 'ghcr.io ghuser ghsecret']);
    const lookup = parseCredentials('config.json', JSON.stringify({ credHelpers: { 'https://index.docker.io/v1/': 'strata-test', 'ghcr.io': 'strata-test' } }), { env });
    expect(await lookup('docker.io')).toEqual({ username: 'hubuser', password: 'hubsecret' });
    expect(await lookup('GHCR.io')).toEqual({ username: 'ghuser', password: 'ghsecret' });
    expect(await requests()).toEqual(['https://index.docker.io/v1/', 'ghcr.io']);
  });

  it('returns a <token> username as an identity token', async () => {
    await store(['example.azurecr.io <token> refresh-abc']);
    expect(await runCredentialHelper('strata-test', 'example.azurecr.io', { env })).toEqual({ username: '', password: 'refresh-abc', identityToken: true });
  });

  it('names the helper and the registry when the helper fails, never the secret', async () => {
    await store([`${registry.host} ${registry.username} ${registry.password}`], { broken: true });
    const error = await runCredentialHelper('strata-test', registry.host, { env }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CredentialHelperError);
    expect((error as Error).message).toBe(`credential helper docker-credential-strata-test for registry ${registry.host}: exited with code 3: the keychain is locked`);

    await store([], { garbage: 'hunter2-secret' });
    const garbage = await runCredentialHelper('strata-test', registry.host, { env }).catch((e: unknown) => e);
    expect((garbage as Error).message).toBe(`credential helper docker-credential-strata-test for registry ${registry.host}: answered with something that is not JSON`);
    expect((garbage as Error).message).not.toContain('hunter2');

    const missing = await runCredentialHelper('no-such-helper', registry.host, { env }).catch((e: unknown) => e);
    expect((missing as Error).message).toMatch(/^credential helper docker-credential-no-such-helper for registry .*: not found on the PATH/);
  });

  it('a failing helper fails the registry request with its error', async () => {
    await store([], { broken: true });
    const client = new RegistryClient({ credentials: parseCredentials('config.json', JSON.stringify({ credsStore: 'strata-test' }), { env }) });
    await expect(client.listTags(`${registry.host}/shop/checkout-api`)).rejects.toThrow(CredentialHelperError);
  });

  it('refuses a helper name that is not one', () => {
    expect(() => parseCredentials('cfg.json', JSON.stringify({ credHelpers: { 'ghcr.io': '../evil' } }))).toThrow('cfg.json: "credHelpers"."ghcr.io" must be a helper name');
    expect(() => parseCredentials('cfg.json', JSON.stringify({ credsStore: 7 }))).toThrow('cfg.json: "credsStore" must be a helper name');
  });
});

describe('identity tokens at a Bearer token server', () => {
  it('exchanges the token with the OAuth2 refresh-token grant (POST form to the realm)', async () => {
    const seen: { url: string; method: string; body: string }[] = [];
    const client = new RegistryClient({
      credentials: () => ({ username: '', password: 'refresh-abc', identityToken: true }),
      fetch: async (input, init) => {
        const url = String(input);
        seen.push({ url, method: init?.method ?? 'GET', body: typeof init?.body === 'string' ? init.body : '' });
        if (url.startsWith('https://auth.example.test/')) return Response.json({ access_token: 'access-1', expires_in: 300 });
        const authorization = new Headers(init?.headers).get('authorization');
        if (authorization !== 'Bearer access-1') {
          return new Response('', { status: 401, headers: { 'www-authenticate': 'Bearer realm="https://auth.example.test/token",service="reg.example.test",scope="repository:app:pull"' } });
        }
        return Response.json({ tags: ['1.0.0'] });
      },
    });
    expect(await client.listTags('reg.example.test/app')).toEqual(['1.0.0']);
    const token = seen.find((request) => request.url.startsWith('https://auth.example.test/'));
    expect(token?.method).toBe('POST');
    expect(token?.url).toBe('https://auth.example.test/token');
    expect(Object.fromEntries(new URLSearchParams(token?.body))).toEqual({
      grant_type: 'refresh_token',
      refresh_token: 'refresh-abc',
      client_id: 'strata',
      service: 'reg.example.test',
      scope: 'repository:app:pull',
    });
  });
});
