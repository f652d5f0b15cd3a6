// The digest a Sync records in status.history is the digest of the manifest set as committed
// (SOPS ciphertext, as index.json describes it), not of the decrypted set the agent applies:
// the same value `strata history` shows for the revision.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { readHistory } from '../../src/gitops/history.ts';
import { SopsSecret } from '../../src/constructs/sops-secret.ts';
import { Testing } from '../../src/constructs/testing.ts';
import { ManifestSet, indexDigest, serializeIndex, type KubeObject } from '../../src/manifest/index.ts';
import { startAgent, type AgentHandle } from '../../src/agent/agent.ts';
import { SyncClient } from '../../src/reconciler/sync-client.ts';
import { encryptDocument, generateIdentity } from '../../src/secrets/index.ts';
import { createTestNamespace, type TestNamespace } from '../cluster/index.ts';
import { testKubeConfig } from '../cluster/context.ts';
import { LocalRepo } from './_local-git.ts';

let kc: KubeConfig;
let ns: TestNamespace;
let repo: LocalRepo;
let agent: AgentHandle;
let syncs: SyncClient;

beforeAll(async () => {
  kc = testKubeConfig();
  ns = await createTestNamespace(kc, 'status-digest');
  syncs = new SyncClient(kc);
  await syncs.installCrd();
  const identity = await generateIdentity();
  await kc.makeApiClient(CoreV1Api).createNamespacedSecret({
    namespace: ns.name,
    body: { metadata: { name: 'sops-age' }, stringData: { 'cluster.agekey': `${identity.secret}\n` } },
  });
  repo = new LocalRepo();
  const source = join(repo.root, 'api.enc.yaml');
  writeFileSync(source, await encryptDocument('token: digest-test-token\n', { recipients: [identity.recipient] }));
  const [sopsSecret] = Testing.objects((scope) => new SopsSecret(scope, 'api', { file: source, name: 'api', namespace: ns.name, keys: { password: 'token' } }));
  const encrypted = parse(
    await encryptDocument(`apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\n  namespace: ${ns.name}\nstringData:\n  password: digest-test-db\n`, {
      recipients: [identity.recipient],
      encryptedRegex: '^(data|stringData)$',
    }),
  ) as KubeObject;
  const configMap: KubeObject = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'plain', namespace: ns.name }, data: { a: 'b' } };
  // Written as the compiler writes deploy/<cluster>/: one canonical file per object and index.json.
  const set = ManifestSet.fromObjects([sopsSecret!, encrypted, configMap]);
  for (const entry of set.entries) repo.write(`deploy/prod/${entry.file}`, entry.text);
  repo.write('deploy/prod/index.json', serializeIndex(set.index('prod')));
  repo.commit('compiled');
  agent = await startAgent({ kubeconfig: kc, namespace: ns.name, watchNamespace: ns.name, port: 0, host: '127.0.0.1', leaderElection: false, logger: pino({ level: 'silent' }) });
}, 120_000);

afterAll(async () => {
  await agent?.stop();
  await ns?.delete();
  repo?.dispose();
});

describe('status.history digest', { timeout: 120_000 }, () => {
  it('is the digest of the committed index.json, the one strata history shows', async () => {
    await syncs.create({
      metadata: { name: 'prod', namespace: ns.name },
      spec: { url: repo.url, ref: { branch: 'main' }, path: 'deploy/prod', interval: '1h', decryption: { provider: 'sops', secretRef: { name: 'sops-age' } } },
    });
    const sync = await syncs.waitForReconcile(ns.name, 'prod', { timeoutMs: 60_000 });
    expect(sync.status?.conditions?.find((condition) => condition.type === 'Ready')?.status).toBe('True');
    const secret = await kc.makeApiClient(CoreV1Api).readNamespacedSecret({ name: 'db', namespace: ns.name });
    expect(Buffer.from(secret.data?.password ?? '', 'base64').toString()).toBe('digest-test-db');

    const index = JSON.parse(repo.git(repo.work, 'show', 'HEAD:deploy/prod/index.json')) as Parameters<typeof indexDigest>[0];
    const recorded = sync.status?.history?.[0];
    expect(recorded?.revision).toContain(repo.head());
    expect(recorded?.digest).toBe(indexDigest(index));
    const history = await readHistory({ cluster: 'prod', dir: repo.work });
    expect(history.revisions[0]?.digest).toBe(recorded?.digest);
  });
});
