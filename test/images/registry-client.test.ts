// The registry client against the real distribution registry (test/registry/) with htpasswd auth.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RegistryClient, RegistryError, parseImageRef, selectTag, type ImagePolicySpec } from '../../src/images/index.ts';
import { startRegistry, type PushedImage, type TestRegistry } from '../registry/registry.ts';

const TAGS = ['1.2.3', '1.3.0-rc.1', 'v1.10.0', 'main-42', 'sha-abc.sig'];

describe('RegistryClient against a real registry (htpasswd)', () => {
  let registry: TestRegistry;
  let pushed: PushedImage[];
  let client: RegistryClient;

  beforeAll(async () => {
    registry = await startRegistry();
    pushed = await registry.push('shop/checkout-api', TAGS);
    client = new RegistryClient({ credentials: () => ({ username: registry.username, password: registry.password }), backoffMs: 10 });
  });
  afterAll(async () => {
    await registry?.stop();
  });

  it('lists every tag', async () => {
    const tags = await client.listTags(`${registry.host}/shop/checkout-api`);
    expect([...tags].sort()).toEqual([...TAGS].sort());
  });

  it('lists every tag with n=2, page by page', async () => {
    const paged = new RegistryClient({ credentials: () => ({ username: registry.username, password: registry.password }), pageSize: 2 });
    expect([...(await paged.listTags(`${registry.host}/shop/checkout-api`))].sort()).toEqual([...TAGS].sort());
  });

  it('picks the expected tags with each policy', async () => {
    const tags = await client.listTags(`${registry.host}/shop/checkout-api`);
    const pick = (spec: ImagePolicySpec) => selectTag(tags, spec, 'test/checkout-api').tag;
    expect(pick({ policy: { semver: { range: '>=1.0.0' } } })).toBe('v1.10.0');
    expect(pick({ policy: { semver: { range: '~1.2' } } })).toBe('1.2.3');
    expect(pick({ policy: { semver: { range: '>=1.3.0-0 <1.4.0' } } })).toBe('1.3.0-rc.1');
    expect(pick({ policy: { semver: { range: '1.3.x' } } })).toBeUndefined();
    expect(pick({ policy: { semver: { range: '>=1.0.0 <1.4.0' } } })).toBe('1.2.3');
    expect(pick({ policy: { alphabetical: { order: 'asc' } } })).toBe('v1.10.0');
    expect(pick({ policy: { alphabetical: { order: 'desc' } } })).toBe('1.2.3');
    expect(pick({ policy: { alphabetical: {} }, exclusionList: [] })).toBe('v1.10.0');
    expect(pick({ policy: { numerical: {} }, filterTags: { pattern: '^main-(?P<build>\\d+)$', extract: '$build' } })).toBe('main-42');
    expect(() => pick({ policy: { numerical: {} } })).toThrow(/not numbers/);
  });

  it('resolves a tag to the digest the registry stored', async () => {
    const expected = pushed.find((image) => image.tag === 'v1.10.0')?.digest;
    expect(await client.manifestDigest(parseImageRef(`${registry.host}/shop/checkout-api`), 'v1.10.0')).toBe(expected);
  });

  it('names the image when the credentials are wrong', async () => {
    const wrong = new RegistryClient({ credentials: () => ({ username: registry.username, password: 'wrong' }) });
    const error = await wrong.listTags(`${registry.host}/shop/checkout-api`).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RegistryError);
    expect((error as RegistryError).reason).toBe('unauthorized');
    expect((error as Error).message).toMatch(new RegExp(`^image ${registry.host.replace('.', '\\.')}/shop/checkout-api: cannot list tags: the registry rejected the credentials`));
    expect((error as Error).message).not.toContain('wrong');
  });

  it('retries 429 and 5xx with backoff, then gives up naming the image', async () => {
    const statuses = [503, 429, 502];
    const seen: number[] = [];
    const flaky = new RegistryClient({
      credentials: () => ({ username: registry.username, password: registry.password }),
      backoffMs: 5,
      fetch: async (input, init) => {
        const status = statuses.shift();
        if (status !== undefined) {
          seen.push(status);
          return new Response('{"errors":[{"code":"UNAVAILABLE","message":"try later"}]}', { status, headers: status === 429 ? { 'retry-after': '0' } : {} });
        }
        return fetch(input, init);
      },
    });
    expect([...(await flaky.listTags(`${registry.host}/shop/checkout-api`))].sort()).toEqual([...TAGS].sort());
    expect(seen).toEqual([503, 429, 502]);

    const down = new RegistryClient({ retries: 2, backoffMs: 1, fetch: async () => new Response('{"errors":[{"code":"UNAVAILABLE","message":"down"}]}', { status: 503 }) });
    await expect(down.listTags(`${registry.host}/shop/checkout-api`)).rejects.toThrow(`image ${registry.host}/shop/checkout-api: cannot list tags: HTTP 503: UNAVAILABLE down`);
  });

  it('says when no credentials are configured', async () => {
    const anonymous = new RegistryClient();
    await expect(anonymous.listTags(`${registry.host}/shop/checkout-api`)).rejects.toThrow(/requires authentication .* no credentials are configured/);
  });

  it('reports an unknown repository as not found', async () => {
    const error = await client.listTags(`${registry.host}/shop/missing`).catch((e: unknown) => e);
    expect((error as RegistryError).reason).toBe('not-found');
    expect((error as Error).message).toContain('/shop/missing: cannot list tags: not found (404');
  });
});

describe('RegistryClient against the distribution v3 registry (tag paging)', () => {
  let registry: TestRegistry;

  beforeAll(async () => {
    registry = await startRegistry();
    await registry.push('shop/checkout-api', TAGS);
  }, 600_000);
  afterAll(async () => {
    await registry?.stop();
  });

  it('follows the Link header with n=2', async () => {
    const requests: string[] = [];
    const paged = new RegistryClient({
      credentials: () => ({ username: registry.username, password: registry.password }),
      pageSize: 2,
      fetch: (input, init) => {
        requests.push(String(input));
        return fetch(input, init);
      },
    });
    const tags = await paged.listTags(`${registry.host}/shop/checkout-api`);
    expect([...tags].sort()).toEqual([...TAGS].sort());
    const pages = [...new Set(requests.filter((url) => url.includes('/tags/list')))];
    // 5 tags at 2 a page: 3 pages, the later ones from the Link header (`last=`), all on the registry's origin.
    expect(pages).toHaveLength(3);
    expect(pages.slice(1).every((url) => url.startsWith(`${registry.url}/v2/shop/checkout-api/tags/list?`) && url.includes('last='))).toBe(true);
  });
});
