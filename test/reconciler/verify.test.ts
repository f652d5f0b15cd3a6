// spec.verify against the real kube-apiserver and the real Git server: commits signed with an
// allowed SSH key or OpenPGP key apply; one signed by another key or unsigned fails with
// ArtifactFailed naming the commit and the signer found, and the last good state stays.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { agent, configMap, createSync, findCondition, live, namespace, readyAt, repo, setupEnv, waitForSync, type Env } from './_harness.ts';
import { testKeys, type TestKeys } from '../git/_signing.ts';
import type { Sync } from '../../src/api/sync.ts';

let env: Env;
let keys: TestKeys;
beforeAll(async () => {
  env = await setupEnv();
  keys = testKeys();
});
afterAll(async () => {
  await keys?.dispose();
  await env?.dispose();
});

const refusedAt = (commit: string) => (sync: Sync) => {
  const ready = findCondition(sync.status, 'Ready');
  return ready?.status === 'False' && ready.reason === 'ArtifactFailed' && ready.message.includes(`commit ${commit}`);
};

describe('verified commits', () => {
  it('applies commits signed by an allowed key and refuses others, naming the signer, keeping the last good state', async () => {
    const ns = await namespace(env, 'verify');
    const { url, secret } = await repo(env, ns, 'signed');
    const [alice, mallory, bob, eve] = await Promise.all([keys.ssh('alice', 'alice@example.com'), keys.ssh('mallory', 'mallory@example.com'), keys.openpgp('Bob', 'bob@example.com'), keys.openpgp('Eve', 'eve@example.com')]);
    await env.client.api.request('POST', `/api/v1/namespaces/${ns}/secrets`, {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'signers', namespace: ns },
      stringData: { allowed_signers: `${alice.allowedSigner}\n`, 'bob.asc': bob.publicKey },
    });
    const push = (v: string, sign?: typeof alice) => env.git.push('signed', { files: { 'a.yaml': configMap(ns, 'a', { v }) }, ...(sign ? { sign: sign.sign } : {}) });
    const cm = async () => (await live<{ data: Record<string, string> }>(env, `/api/v1/namespaces/${ns}/configmaps/a`))?.data.v;

    const good = await push('alice', alice);
    await agent(env, ns);
    await createSync(env, ns, 'app', { url, secretRef: { name: secret }, verify: { mode: 'head', secretRef: { name: 'signers' } }, retryInterval: '10m' });
    await waitForSync(env, ns, 'app', readyAt(good));
    expect(await cm()).toBe('alice');

    const wrongSsh = await push('mallory', mallory);
    await env.client.requestReconcile(ns, 'app');
    let refused = await waitForSync(env, ns, 'app', refusedAt(wrongSsh));
    expect(findCondition(refused.status, 'Ready')?.message).toBe(
      `revision main@sha1:${wrongSsh}: commit ${wrongSsh} is signed by SSH key ${mallory.fingerprint}, which is not one of the keys of spec.verify; nothing applied (spec.verify)`,
    );
    expect(refused.status?.lastAppliedRevision).toBe(`main@sha1:${good}`);
    expect(await cm()).toBe('alice');

    const unsigned = await push('nobody');
    await env.client.requestReconcile(ns, 'app');
    refused = await waitForSync(env, ns, 'app', refusedAt(unsigned));
    expect(findCondition(refused.status, 'Ready')?.message).toContain(`commit ${unsigned} is not signed`);
    expect(await cm()).toBe('alice');

    const openpgp = await push('bob', bob);
    await env.client.requestReconcile(ns, 'app');
    await waitForSync(env, ns, 'app', readyAt(openpgp));
    expect(await cm()).toBe('bob');

    const wrongPgp = await push('eve', eve);
    await env.client.requestReconcile(ns, 'app');
    refused = await waitForSync(env, ns, 'app', refusedAt(wrongPgp));
    expect(findCondition(refused.status, 'Ready')?.message).toContain(`is signed by OpenPGP key ${eve.fingerprint.slice(-16)}, which is not one of the keys of spec.verify`);
    expect(refused.status?.lastAppliedRevision).toBe(`main@sha1:${openpgp}`);
    expect(await cm()).toBe('bob');
  }, 120_000);

  it('a verify Secret without keys is refused by name', async () => {
    const ns = await namespace(env, 'verify-empty');
    const { url, secret } = await repo(env, ns, 'empty-keys');
    await env.client.api.request('POST', `/api/v1/namespaces/${ns}/secrets`, { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'nothing', namespace: ns }, stringData: { readme: 'no keys' } });
    await env.git.push('empty-keys', { files: { 'a.yaml': configMap(ns, 'a') } });
    await agent(env, ns);
    await createSync(env, ns, 'app', { url, secretRef: { name: secret }, verify: { secretRef: { name: 'nothing' } } });
    const refused = await waitForSync(env, ns, 'app', (sync) => findCondition(sync.status, 'Ready')?.reason === 'ArtifactFailed');
    expect(findCondition(refused.status, 'Ready')?.message).toBe(`Secret ${ns}/nothing (spec.verify.secretRef) holds neither allowed_signers nor *.asc OpenPGP keys`);
    expect(await live(env, `/api/v1/namespaces/${ns}/configmaps/a`)).toBeUndefined();
  }, 60_000);
});
