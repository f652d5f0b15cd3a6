// The Bearer flow end to end: the real registry with `auth: token`, a token server on
// 127.0.0.1 (test/registry/token-server.ts) signing the tokens the registry verifies.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RegistryClient, RegistryError } from '../../src/images/index.ts';
import { startRegistry, type TestRegistry } from '../registry/registry.ts';
import { startTokenServer, type TokenServer } from '../registry/token-server.ts';

describe.each(['token', 'access_token'] as const)('RegistryClient with Bearer tokens (returned as "%s")', (field) => {
  let tokens: TokenServer;
  let registry: TestRegistry;

  beforeAll(async () => {
    tokens = await startTokenServer({ field });
    registry = await startRegistry({ token: tokens.config });
    await registry.push('shop/worker', ['main-41', 'main-42', '1.0.0'], `Bearer ${tokens.issue('shop/worker', ['pull', 'push'])}`);
  });
  afterAll(async () => {
    await registry?.stop();
    await tokens?.stop();
  });

  it('gets a token from the realm named in the challenge and lists tags', async () => {
    const client = new RegistryClient({ credentials: () => ({ username: tokens.username, password: tokens.password }) });
    tokens.requests.length = 0;
    const tags = await client.listTags(`${registry.host}/shop/worker`);
    expect([...tags].sort()).toEqual(['1.0.0', 'main-41', 'main-42']);
    expect(tokens.requests).toEqual([{ service: 'strata-test-registry', scopes: ['repository:shop/worker:pull'], authorized: true }]);
    // The token is reused for the digest HEAD of the same repository.
    expect(await client.manifestDigest(`${registry.host}/shop/worker`, 'main-42')).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(tokens.requests).toHaveLength(1);
  });

  it('says the token server rejected the credentials, naming the image', async () => {
    const client = new RegistryClient({ credentials: () => ({ username: tokens.username, password: 'wrong' }) });
    const error = await client.listTags(`${registry.host}/shop/worker`).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RegistryError);
    expect((error as RegistryError).reason).toBe('unauthorized');
    expect((error as Error).message).toContain(`image ${registry.host}/shop/worker: cannot list tags: token request to http://127.0.0.1:`);
    expect((error as Error).message).toContain('the token server rejected the credentials');
  });

  it('fails clearly when a token does not grant the repository', async () => {
    const client = new RegistryClient({ credentials: () => ({ username: tokens.username, password: tokens.password }) });
    // The registry answers 401 to a token without access; the client authenticates once, then gives up.
    const error = await client.listTags(`${registry.host}/shop/unknown`).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RegistryError);
    expect((error as Error).message).toMatch(/shop\/unknown: cannot list tags: (not found|the registry rejected)/);
  });
});
