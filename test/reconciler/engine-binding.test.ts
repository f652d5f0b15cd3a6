// The agent's engine binding against the real kube-apiserver: the drift watch's knowledge is
// passed to apply (a no-op reconcile sends no request at all), and objects about to be pruned
// are forgotten first (their deletion is not reported as drift).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManifestSet, type KubeObject, type ObjectRef } from '../../src/manifest/index.ts';
import { createEngine, type BoundEngine } from '../../src/reconciler/engine-binding.ts';
import { refOf } from '../../src/manifest/index.ts';
import { createTestNamespace, eventually, type TestNamespace } from '../cluster/index.ts';
import { testKubeConfig } from '../cluster/context.ts';

const OWNER = { 'strata.dev/name': 'binding-test', 'strata.dev/namespace': 'strata-system' } as const;

let ns: TestNamespace;
let bound: BoundEngine;

beforeAll(async () => {
  ns = await createTestNamespace(testKubeConfig(), 'engine-binding');
  bound = createEngine(testKubeConfig());
});
afterAll(async () => {
  await bound?.close();
  await ns?.delete();
});

const configMap = (name: string, value: string): KubeObject => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: ns.name }, data: { value } });
const call = () => ({ signal: AbortSignal.timeout(30_000), force: false, ownerLabels: OWNER, sync: 'ns/sync', fullCheck: false });

describe('engine binding', { timeout: 90_000 }, () => {
  it('a second reconcile with nothing changed sends no request; a changed object is still applied', async () => {
    const set = ManifestSet.fromObjects([configMap('a', '1'), configMap('b', '1'), configMap('c', '1')]);
    const first = await bound.engine.apply(set, call());
    expect(first.map((entry) => entry.action)).toEqual(['created', 'created', 'created']);
    bound.drift.watch('ns/sync', set, () => undefined);
    const client = await bound.client();

    // Once the drift watch has listed the objects, it vouches for them.
    await eventually(
      async () => {
        client.resetStats();
        const again = await bound.engine.apply(set, call());
        expect(client.stats.writes).toBe(0);
        return again.every((entry) => entry.action === 'unchanged') && client.stats.requests === 0;
      },
      { timeoutMs: 20_000, what: 'a no-op apply without requests' },
    );
    client.resetStats();
    const noop = await bound.engine.apply(set, call());
    expect(client.stats).toMatchObject({ requests: 0, writes: 0, dryRuns: 0 });
    expect(noop.map((entry) => entry.action)).toEqual(['unchanged', 'unchanged', 'unchanged']);

    // A changed desired object has another digest: applied as usual, the others still skipped.
    const changed = ManifestSet.fromObjects([configMap('a', '1'), configMap('b', '2'), configMap('c', '1')]);
    client.resetStats();
    const next = await bound.engine.apply(changed, call());
    expect(Object.fromEntries(next.map((entry) => [entry.ref.name, entry.action]))).toEqual({ a: 'unchanged', b: 'configured', c: 'unchanged' });
    expect(client.stats.writes).toBe(1);
    bound.drift.watch('ns/sync', changed, () => undefined);
  });

  it('pruning a watched object is not reported as drift', async () => {
    const set = ManifestSet.fromObjects([configMap('keep', '1'), configMap('gone', '1')]);
    await bound.engine.apply(set, call());
    const drifted: string[] = [];
    bound.drift.watch('ns/prune', set, (refs: readonly ObjectRef[]) => drifted.push(...refs.map((ref) => ref.name)));
    const client = await bound.client();
    // Wait until the watch holds both objects (it then vouches for them).
    await eventually(
      async () => {
        client.resetStats();
        await bound.engine.apply(set, call());
        return client.stats.requests === 0;
      },
      { timeoutMs: 20_000, what: 'the drift watch holds the objects' },
    );

    const gone = refOf(configMap('gone', '1'));
    const result = await bound.engine.prune([gone], call());
    expect(result.entries.map((entry) => `${entry.action} ${entry.ref.name}`)).toEqual(['deleted gone']);
    expect(result.failed).toEqual([]);
    // The deletion event arrives within milliseconds and the watcher reports after 100 ms: wait well past both.
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(drifted).toEqual([]);

    // Drift of an object still watched is reported (the check above could fail).
    const kubeClient = await bound.client();
    await kubeClient.delete(refOf(configMap('keep', '1')));
    await eventually(async () => drifted.includes('keep'), { timeoutMs: 10_000, what: 'drift reported for keep' });
    expect(drifted).not.toContain('gone');
  });
});
