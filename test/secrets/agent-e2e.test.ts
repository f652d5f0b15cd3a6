// End to end on the test cluster: an encrypted Secret in Git → the agent (spec.decryption with
// an age key in a Secret) → the Secret in the cluster holds the plaintext; a rotated value is
// applied; a tampered file is refused and the last good state kept; without spec.decryption the
// encrypted object is refused. Afterwards Events, logs, status and metrics are searched for the
// plaintext (raw and base64).
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { CoreV1Api, PatchStrategy, setHeaderOptions, type KubeConfig } from '@kubernetes/client-node';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAgent, type AgentHandle } from '../../src/agent/agent.ts';
import { SyncClient } from '../../src/reconciler/sync-client.ts';
import { SopsSecret } from '../../src/constructs/sops-secret.ts';
import { Testing } from '../../src/constructs/testing.ts';
import { ManifestSet } from '../../src/manifest/index.ts';
import { encryptDocument, generateIdentity, openDocument, parseIdentities, reencryptDocument, type AgeIdentity } from '../../src/secrets/index.ts';
import { createTestNamespace, eventually, type TestNamespace } from '../cluster/index.ts';
import { testKubeConfig } from '../cluster/context.ts';
import { LocalRepo } from '../reconciler/_local-git.ts';

const FIRST = 'first-plaintext-8c1f2e';
const SECOND = 'rotated-plaintext-5b9d7a';
const HAND_EDIT = 'hand-edited-plaintext-3e4f';
const b64 = (s: string): string => Buffer.from(s).toString('base64');

let kc: KubeConfig;
let ns: TestNamespace;
let repo: LocalRepo;
let agent: AgentHandle;
let syncs: SyncClient;
let identities: AgeIdentity[];
let recipient: string;
const logLines: string[] = [];

const secretYaml = (namespace: string, value: string): string => `apiVersion: v1
kind: Secret
metadata:
  name: db
  namespace: ${namespace}
type: Opaque
stringData:
  password: ${value}
  user: app
`;

beforeAll(async () => {
  kc = testKubeConfig();
  ns = await createTestNamespace(kc, 'secrets-e2e');
  syncs = new SyncClient(kc);
  await syncs.installCrd();
  const identity = await generateIdentity();
  identities = await parseIdentities(identity.secret, 'test');
  recipient = identity.recipient;
  await kc.makeApiClient(CoreV1Api).createNamespacedSecret({
    namespace: ns.name,
    body: { metadata: { name: 'sops-age' }, data: { 'cluster.agekey': b64(`# test key\n${identity.secret}\n`) } },
  });
  repo = new LocalRepo();
  repo.write('deploy/db.yaml', await encryptDocument(secretYaml(ns.name, FIRST), { recipients: [recipient], encryptedRegex: '^(data|stringData)$' }));
  // A SopsSecret compiled as the compiler writes it (canonical YAML of the construct's output).
  const source = join(repo.root, 'api.enc.yaml');
  writeFileSync(source, await encryptDocument(`token: ${FIRST}-api\n`, { recipients: [recipient] }));
  const [compiled] = Testing.objects((scope) => new SopsSecret(scope, 'api', { file: source, name: 'api', namespace: ns.name, keys: { password: 'token' } }));
  repo.write('deploy/api.yaml', ManifestSet.fromObjects([compiled!]).entries[0]!.text);
  repo.write('deploy/cm.yaml', `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: plain\n  namespace: ${ns.name}\ndata:\n  a: b\n`);
  repo.commit('encrypted secret');
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      logLines.push(chunk.toString('utf8'));
      done();
    },
  });
  agent = await startAgent({ kubeconfig: kc, namespace: ns.name, watchNamespace: ns.name, port: 0, host: '127.0.0.1', leaderElection: false, logger: pino({ level: 'debug' }, sink) });
}, 120_000);

afterAll(async () => {
  await agent?.stop();
  await ns?.delete();
  repo?.dispose();
});

async function secretValue(name: string): Promise<string | undefined> {
  try {
    const secret = await kc.makeApiClient(CoreV1Api).readNamespacedSecret({ name, namespace: ns.name });
    const value = secret.data?.password;
    return value === undefined ? undefined : Buffer.from(value, 'base64').toString('utf8');
  } catch {
    return undefined;
  }
}

async function reconcileNow(name: string) {
  const requestedAt = await syncs.requestReconcile(ns.name, name);
  return syncs.waitForReconcile(ns.name, name, { requestedAt, timeoutMs: 60_000 });
}

describe('agent with spec.decryption', { timeout: 240_000 }, () => {
  it('applies the decrypted Secret, updates it on rotation, refuses tampering and keeps the last good state', async () => {
    await syncs.create({
      metadata: { name: 'apps', namespace: ns.name },
      spec: { url: repo.url, ref: { branch: 'main' }, path: 'deploy', interval: '1h', decryption: { provider: 'sops', secretRef: { name: 'sops-age' } } },
    });
    await eventually(async () => (await secretValue('db')) === FIRST, { timeoutMs: 60_000, what: 'Secret db holds the first plaintext' });
    expect(await secretValue('api')).toBe(`${FIRST}-api`);

    // Rotate the value, as `strata secrets edit` would (same data key, new ciphertext for the value).
    const opened = await openDocument(await readRepoFile('deploy/db.yaml'), { identities });
    repo.write('deploy/db.yaml', await reencryptDocument(opened, { plaintext: opened.plaintext.replace(FIRST, SECOND) }));
    repo.commit('rotate the password');
    const afterRotation = await reconcileNow('apps');
    expect(afterRotation.status?.conditions?.find((c) => c.type === 'Ready')?.status).toBe('True');
    expect(await secretValue('db')).toBe(SECOND);

    // A hand edit of the Secret is drift: the agent puts the decrypted value back.
    await kc.makeApiClient(CoreV1Api).patchNamespacedSecret({ name: 'db', namespace: ns.name, body: { stringData: { password: HAND_EDIT } } }, setHeaderOptions('Content-Type', PatchStrategy.MergePatch));
    await eventually(async () => (await secretValue('db')) === SECOND, { timeoutMs: 60_000, what: 'drift correction restores the Secret' });

    // Tamper: flip the first ciphertext byte of the password; the revision is refused whole.
    const good = await readRepoFile('deploy/db.yaml');
    repo.write('deploy/db.yaml', good.replace(/password: ENC\[AES256_GCM,data:(.)/, (_m, c: string) => `password: ENC[AES256_GCM,data:${c === 'A' ? 'B' : 'A'}`));
    repo.commit('tampered');
    const tampered = await reconcileNow('apps');
    const ready = tampered.status?.conditions?.find((c) => c.type === 'Ready');
    expect(ready?.status).toBe('False');
    expect(ready?.reason).toBe('BuildFailed');
    expect(ready?.message).not.toContain(SECOND);
    expect(ready?.message).toMatch(/Secret\/.*db.*does not authenticate|Secret\/.*db.*MAC mismatch/);
    expect(await secretValue('db')).toBe(SECOND);
    repo.write('deploy/db.yaml', good);
    repo.commit('restore');
  });

  it('refuses encrypted objects when the Sync has no spec.decryption', async () => {
    await syncs.create({ metadata: { name: 'nodecrypt', namespace: ns.name }, spec: { url: repo.url, ref: { branch: 'main' }, path: 'deploy', interval: '1h', prune: false } });
    const sync = await eventually(
      async () => {
        const s = await syncs.get(ns.name, 'nodecrypt');
        const ready = s.status?.conditions?.find((c) => c.type === 'Ready');
        return ready?.status === 'False' ? ready : undefined;
      },
      { timeoutMs: 60_000, what: 'Sync nodecrypt not Ready' },
    );
    expect(sync.message).toMatch(/SOPS-encrypted.*spec\.decryption is not set/);
  });

  it('never shows the plaintext in Events, logs, status or metrics', async () => {
    const core = kc.makeApiClient(CoreV1Api);
    const events = JSON.stringify(await core.listNamespacedEvent({ namespace: ns.name }));
    const newEvents = JSON.stringify(await syncs.events(ns.name, 'apps'));
    const status = JSON.stringify(await syncs.list(ns.name));
    const metrics = await (await fetch(`${agent.url}/metrics`)).text();
    const logs = logLines.join('');
    expect(logs.length).toBeGreaterThan(0);
    expect(events).toContain('Sync');
    for (const [what, text] of Object.entries({ events, newEvents, status, metrics, logs })) {
      for (const secret of [FIRST, SECOND, HAND_EDIT, b64(FIRST), b64(SECOND), b64(HAND_EDIT), b64(`${FIRST}-api`)]) expect(text.includes(secret), `${what} contains ${secret}`).toBe(false);
      expect(text, what).not.toContain('AGE-SECRET-KEY');
    }
  });
});

async function readRepoFile(path: string): Promise<string> {
  return readFileSync(join(repo.work, path), 'utf8');
}
