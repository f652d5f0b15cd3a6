// Drift detection and correction against the real kube-apiserver: edits of managed fields and
// deletions are seen through watches (no polling) and corrected within 2 seconds.
import { afterEach, describe, expect, it } from 'vitest';
import type { ManifestSet, ObjectRef } from '../../src/manifest/index.ts';
import { applyAll, applyAllStaged, type ChangeSet } from '../../src/engine/apply.ts';
import { DriftWatcher, type DriftEvent } from '../../src/engine/drift.ts';
import { eventually } from '../cluster/eventually.ts';
import { engineNamespace, manifestSet, OWNER, SETTINGS_CONFIG_MAP, WEB_DEPLOYMENT } from './_engine.ts';

const engine = engineNamespace('engine-drift');
let watcher: DriftWatcher | undefined;
afterEach(() => watcher?.stop());

const yaml = `
${SETTINGS_CONFIG_MAP}
---
apiVersion: v1
kind: ConfigMap
metadata: { name: seed, namespace: $NS, annotations: { strata.dev/ssa: IfNotPresent } }
data: { value: "1" }
---
${WEB_DEPLOYMENT}
`;

/** A watcher that re-applies what drifted (as the agent does) and records each correction. */
async function correcting(set: ManifestSet): Promise<{ events: DriftEvent[]; corrections: { at: number; changeSet: ChangeSet }[] }> {
  const events: DriftEvent[] = [];
  const corrections: { at: number; changeSet: ChangeSet }[] = [];
  watcher = new DriftWatcher(engine.client, {
    ownerLabels: OWNER,
    onDrift: (drifted) => {
      events.push(...drifted);
      void applyAll(engine.client, drifted.map((event) => set.get(event.ref)!.object), { ownerLabels: OWNER }).then((changeSet) => corrections.push({ at: Date.now(), changeSet }));
    },
  });
  await watcher.watch(set);
  return { events, corrections };
}

const path = (kind: 'configmaps' | 'deployments', name: string): string =>
  kind === 'configmaps' ? `/api/v1/namespaces/${engine.ns.name}/configmaps/${name}` : `/apis/apps/v1/namespaces/${engine.ns.name}/deployments/${name}`;
/** What `kubectl edit` sends: a merge patch under its own field manager. */
const edit = (kind: 'configmaps' | 'deployments', name: string, patch: unknown): Promise<unknown> =>
  engine.client.request('PATCH', path(kind, name), patch, { contentType: 'application/merge-patch+json', query: { fieldManager: 'kubectl-edit' } });

describe('DriftWatcher', () => {
  it('corrects a manual edit of a managed field within 2 s', async () => {
    const set = manifestSet(yaml, engine.ns.name);
    await applyAllStaged(engine.client, set, { ownerLabels: OWNER });
    const { events, corrections } = await correcting(set);
    const started = Date.now();
    await edit('configmaps', 'settings', { data: { level: 'debug' } });
    await eventually(async () => corrections.length > 0, { timeoutMs: 5_000, intervalMs: 20, what: 'a correction' });
    const latency = corrections[0]!.at - started;
    expect(latency).toBeLessThan(2_000);
    expect(events[0]).toMatchObject({ subject: `ConfigMap/${engine.ns.name}/settings`, reason: 'modified', message: 'data.level changed by kubectl-edit' });
    expect(corrections[0]!.changeSet.entries[0]).toMatchObject({ action: 'configured', message: 'changed: data.level' });
    expect(((await engine.client.request('GET', path('configmaps', 'settings'))) as { data: unknown }).data).toEqual({ level: 'info' });
    console.info(`drift correction latency (edit): ${latency} ms`);
  });

  it('corrects `kubectl scale` of a Deployment and the deletion of an object within 2 s', async () => {
    const set = manifestSet(yaml, engine.ns.name);
    await applyAllStaged(engine.client, set, { ownerLabels: OWNER });
    const { events, corrections } = await correcting(set);
    let started = Date.now();
    await engine.client.request('PATCH', `${path('deployments', 'web')}/scale`, { spec: { replicas: 3 } }, { contentType: 'application/merge-patch+json', query: { fieldManager: 'kubectl' } });
    await eventually(async () => corrections.length > 0, { timeoutMs: 5_000, intervalMs: 20, what: 'a correction of the scale' });
    expect(corrections[0]!.at - started).toBeLessThan(2_000);
    expect(events[0]?.message).toBe('spec.replicas changed by kubectl (scale)');

    started = Date.now();
    await engine.client.request('DELETE', path('configmaps', 'settings'));
    await eventually(async () => corrections.length > 1, { timeoutMs: 5_000, intervalMs: 20, what: 'a correction of the deletion' });
    const latency = corrections[1]!.at - started;
    expect(latency).toBeLessThan(2_000);
    expect(events.at(-1)).toMatchObject({ subject: `ConfigMap/${engine.ns.name}/settings`, reason: 'deleted' });
    expect(corrections[1]!.changeSet.entries[0]?.action).toBe('created');
    console.info(`drift correction latency (delete): ${latency} ms`);
  });

  it('corrects an edit of a Secret applied with stringData: the data keys are Strata’s fields', async () => {
    const set = manifestSet(`
apiVersion: v1
kind: Secret
metadata: { name: creds, namespace: $NS }
type: Opaque
stringData: { password: from-git }
`, engine.ns.name);
    await applyAllStaged(engine.client, set, { ownerLabels: OWNER });
    const secretPath = `/api/v1/namespaces/${engine.ns.name}/secrets/creds`;
    const stored = (await engine.client.request('GET', secretPath)) as { data: Record<string, string>; metadata: { managedFields: { manager: string; fieldsV1: Record<string, unknown> }[] } };
    expect(Buffer.from(stored.data['password'] ?? '', 'base64').toString()).toBe('from-git');
    const ours = stored.metadata.managedFields.find((entry) => entry.manager === 'strata');
    expect(ours?.fieldsV1).toHaveProperty(['f:data', 'f:password']);
    expect(ours?.fieldsV1).not.toHaveProperty('f:stringData');

    const { events, corrections } = await correcting(set);
    await engine.client.request('PATCH', secretPath, { data: { password: Buffer.from('by-hand').toString('base64') } }, { contentType: 'application/merge-patch+json', query: { fieldManager: 'kubectl-edit' } });
    await eventually(async () => corrections.length > 0, { timeoutMs: 5_000, intervalMs: 20, what: 'a correction of the Secret' });
    expect(events[0]).toMatchObject({ subject: `Secret/${engine.ns.name}/creds`, reason: 'modified', message: 'data.password changed by kubectl-edit' });
    expect(JSON.stringify(events)).not.toContain('by-hand');
    const corrected = (await engine.client.request('GET', secretPath)) as { data: Record<string, string> };
    expect(Buffer.from(corrected.data['password'] ?? '', 'base64').toString()).toBe('from-git');
  });

  it('ignores what is not drift: other managers’ own fields, status updates, edits of IfNotPresent objects', async () => {
    const set = manifestSet(yaml, engine.ns.name);
    await applyAllStaged(engine.client, set, { ownerLabels: OWNER });
    const { events } = await correcting(set);
    await edit('configmaps', 'settings', { metadata: { annotations: { 'someone.example/note': 'hello' } } });
    await edit('configmaps', 'seed', { data: { value: 'changed by hand' } });
    await engine.client.request('PATCH', `${path('deployments', 'web')}`, { spec: { template: { metadata: { annotations: { 'kubectl.kubernetes.io/restartedAt': 'now' } } } } }, {
      contentType: 'application/merge-patch+json',
      query: { fieldManager: 'kubectl-rollout' },
    });
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(events).toEqual([]);
    // Deleting the IfNotPresent object is drift: it is created again.
    await engine.client.request('DELETE', path('configmaps', 'seed'));
    await eventually(async () => events.length > 0, { timeoutMs: 5_000, intervalMs: 20 });
    expect(events[0]).toMatchObject({ subject: `ConfigMap/${engine.ns.name}/seed`, reason: 'deleted' });
  });

  it('does not poll: no requests while nothing changes', async () => {
    const set = manifestSet(yaml, engine.ns.name);
    await applyAllStaged(engine.client, set, { ownerLabels: OWNER });
    await new Promise((resolve) => setTimeout(resolve, 500)); // let the Deployment settle
    watcher = new DriftWatcher(engine.client, { ownerLabels: OWNER, onDrift: () => undefined });
    await watcher.watch(set);
    const before = engine.client.stats.requests;
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(engine.client.stats.requests).toBe(before);
    // Watching the same set again keeps the streams.
    await watcher.watch(set);
    expect(engine.client.stats.requests).toBe(before);
    expect(watcher.streamCount).toBe(2);
  });

  it('forgets objects about to be pruned: their deletion is not drift, and the streams stay open', async () => {
    const set = manifestSet(`${yaml}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: { name: leaving, namespace: $NS }\ndata: { a: "1" }`, engine.ns.name);
    await applyAllStaged(engine.client, set, { ownerLabels: OWNER });
    const events: DriftEvent[] = [];
    watcher = new DriftWatcher(engine.client, { ownerLabels: OWNER, onDrift: (drifted) => events.push(...drifted) });
    await watcher.watch(set);
    const leaving = set.entries.find((entry) => entry.ref.name === 'leaving')!.ref;
    watcher.forget([leaving]);
    const requests = engine.client.stats.requests;
    await engine.client.request('DELETE', path('configmaps', 'leaving'));
    await watcher.watch(manifestSet(yaml, engine.ns.name));
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(events).toEqual([]);
    expect(engine.client.stats.requests).toBe(requests + 1); // the DELETE only
  });

  it('watches a kind spread over many namespaces with one cluster-wide, label-selected stream', async () => {
    const names = [1, 2, 3, 4, 5].map((index) => `${engine.ns.name}-w${index}`);
    const set = manifestSet(
      names.map((name) => `apiVersion: v1\nkind: Namespace\nmetadata: { name: ${name} }\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: { name: spread, namespace: ${name} }\ndata: { a: "1" }`).join('\n---\n'),
      engine.ns.name,
    );
    try {
      await applyAllStaged(engine.client, set, { ownerLabels: OWNER });
      const { events, corrections } = await correcting(set);
      expect(watcher!.streamCount).toBe(2); // namespaces, and configmaps in all namespaces
      const started = Date.now();
      await engine.client.request('DELETE', `/api/v1/namespaces/${names[3]}/configmaps/spread`);
      await eventually(async () => corrections.length > 0, { timeoutMs: 5_000, intervalMs: 20, what: 'a correction' });
      expect(corrections[0]!.at - started).toBeLessThan(2_000);
      expect(events.map((event) => event.subject)).toEqual([`ConfigMap/${names[3]}/spread`]);
    } finally {
      watcher?.stop();
      for (const name of names) await engine.client.delete({ group: '', version: 'v1', kind: 'Namespace', namespace: '', name });
    }
  });

  it('lets a no-op apply skip, without a request, what was watched unchanged since it was last applied', async () => {
    const set = manifestSet(yaml, engine.ns.name);
    const first = await applyAllStaged(engine.client, set, { ownerLabels: OWNER });
    const events: DriftEvent[] = [];
    watcher = new DriftWatcher(engine.client, { ownerLabels: OWNER, onDrift: (drifted) => events.push(...drifted) });
    watcher.record(first.entries, set, 'sync-a');
    await watcher.watch(set);
    const inSync = (ref: ObjectRef, sha256: string): boolean => watcher!.inSync(ref, sha256, 'sync-a');
    // Only for whom it was applied: another Sync or identity is read and dry-run as usual.
    expect(set.entries.map((entry) => watcher!.inSync(entry.ref, entry.sha256, 'sync-b'))).toEqual([false, false, false]);

    engine.client.resetStats();
    const noop = await applyAllStaged(engine.client, set, { ownerLabels: OWNER, inSync });
    expect(noop.entries.map((entry) => entry.action)).toEqual(['unchanged', 'unchanged', 'unchanged']);
    expect(engine.client.stats.requests).toBe(0);

    // A drifted object is not in sync: it alone is read, dry-run and written.
    await edit('configmaps', 'settings', { data: { level: 'debug' } });
    await eventually(async () => events.length > 0, { timeoutMs: 5_000, intervalMs: 20 });
    engine.client.resetStats();
    const corrected = await applyAllStaged(engine.client, set, { ownerLabels: OWNER, inSync });
    expect(corrected.entries.find((entry) => entry.ref.name === 'settings')?.action).toBe('configured');
    expect(engine.client.stats).toMatchObject({ writes: 1, dryRuns: 1 });
    watcher.record(corrected.entries, set, 'sync-a');
    // Once the watch has seen Strata's write, it is in sync again.
    const settings = set.entries.find((entry) => entry.ref.name === 'settings')!;
    await eventually(async () => inSync(settings.ref, settings.sha256), { timeoutMs: 5_000, intervalMs: 20, what: 'in sync again' });

    // A new desired state is never in sync, whatever the watch saw.
    const changed = manifestSet(yaml.replace('level: info', 'level: warn'), engine.ns.name);
    engine.client.resetStats();
    const next = await applyAllStaged(engine.client, changed, { ownerLabels: OWNER, inSync });
    expect(next.entries.find((entry) => entry.ref.name === 'settings')?.action).toBe('configured');
    expect(engine.client.stats.writes).toBe(1);
    watcher.record(next.entries, changed, 'sync-a');

    // Deleted: not in sync until Strata has created it again.
    await engine.client.request('DELETE', path('configmaps', 'settings'));
    await eventually(async () => !inSync(settings.ref, settings.sha256) && events.some((event) => event.reason === 'deleted'), { timeoutMs: 5_000, intervalMs: 20 });
    const recreated = await applyAllStaged(engine.client, set, { ownerLabels: OWNER, inSync });
    expect(recreated.entries.find((entry) => entry.ref.name === 'settings')?.action).toBe('created');
  });
});
