// The example's clusters/<env>/image-policies.json, scanned without the network: a fake fetch
// stands in for ghcr.io (the example's registry, unreachable from tests and CI).
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { RegistryClient, scanImages } from '../../src/images/index.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const TAGS = ['1.7.4', '1.7.9', '1.8.0-rc.2', '1.8.0', '1.9.0-rc.1', '2.0.0', '2.3.1', '2.4.0', '3.0.0', 'main-4f2c1a9', 'main-4f2c1a9-1700000000', 'main-9b8e7d6-1700000500', 'latest', '2.4.0.sig'];

function fakeGhcr(requests: string[]): typeof fetch {
  return async (input, init) => {
    const url = new URL(String(input));
    requests.push(`${init?.method ?? 'GET'} ${url.href}`);
    if (url.host !== 'ghcr.io') throw new TypeError('fetch failed');
    if (url.pathname.endsWith('/tags/list')) return Response.json({ name: url.pathname, tags: TAGS });
    const tag = decodeURIComponent(url.pathname.split('/').pop() ?? '');
    return new Response(null, { status: 200, headers: { 'docker-content-digest': `sha256:${tag.replace(/[^0-9]/g, '').padEnd(64, '0')}` } });
  };
}

describe('the example image policies', () => {
  it('pick the newest build for development, pre-releases in staging, pinned releases in production', async () => {
    const requests: string[] = [];
    const report = await scanImages({ root: ROOT, client: new RegistryClient({ fetch: fakeGhcr(requests), retries: 0 }) });
    expect(report.errors).toEqual([]);
    const picked = Object.fromEntries(report.results.map((result) => [`${result.environment}/${result.component}`, result.latest]));
    expect(Object.keys(picked)).toHaveLength(18);
    expect(picked['development/checkout-api']).toBe('ghcr.io/acme-shop/checkout-api:main-9b8e7d6-1700000500');
    expect(picked['staging/checkout-api']).toBe('ghcr.io/acme-shop/checkout-api:1.9.0-rc.1');
    expect(picked['staging/catalog-api']).toBe('ghcr.io/acme-shop/catalog-api:2.4.0');
    expect(picked['production/checkout-api']).toMatch(/^ghcr\.io\/acme-shop\/checkout-api:1\.8\.0@sha256:180/);
    expect(picked['production/catalog-api']).toMatch(/^ghcr\.io\/acme-shop\/catalog-api:2\.4\.0@sha256:240/);
    expect(requests.every((request) => request.includes('//ghcr.io/'))).toBe(true);
  });

  it('fail per image with a message naming it when the registry is unreachable', async () => {
    const unreachable: typeof fetch = async () => {
      throw new TypeError('fetch failed', { cause: Object.assign(new Error('getaddrinfo ENOTFOUND ghcr.io'), { code: 'ENOTFOUND' }) });
    };
    const report = await scanImages({ root: ROOT, client: new RegistryClient({ fetch: unreachable, retries: 0 }) });
    expect(report.results).toHaveLength(18);
    expect(report.results.every((result) => result.action === 'failed')).toBe(true);
    expect(report.errors[0]?.message).toBe('image ghcr.io/acme-shop/admin-console: cannot list tags: https://ghcr.io unreachable (getaddrinfo ENOTFOUND ghcr.io)');
  });
});
