// A mutating admission webhook that changes objects Strata applies (adds an annotation, and
// overrides a field Strata applies) is not fought over: the server-side dry-run runs the same
// webhook, so the re-apply finds nothing to change, writes nothing, and `strata diff` shows
// nothing. Against the real kube-apiserver calling a real webhook on 127.0.0.1.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyAllStaged, diffLive } from '../../src/engine/index.ts';
import { ManifestSet, type KubeObject } from '../../src/manifest/index.ts';
import { eventually } from '../cluster/index.ts';
import { startAdmissionWebhook, type AdmissionWebhook } from '../cluster/webhook.ts';
import { engineNamespace } from './_engine.ts';

const engine = engineNamespace('mutating');
let webhook: AdmissionWebhook;
let configuration: string;
let calls = 0;

const configMap = (ns: string, name: string): KubeObject => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: ns }, data: { level: 'info', mode: 'git' } });

beforeAll(async () => {
  const ns = engine.ns.name;
  // Like a policy engine: stamps an annotation and forces one value, on every create and update (dry-runs too).
  webhook = await startAdmissionWebhook(async (request) => {
    calls += 1;
    const annotations = (request.object?.metadata as { annotations?: Record<string, string> } | undefined)?.annotations;
    return [
      annotations ? { op: 'add', path: '/metadata/annotations/policy.example.com~1checked', value: 'yes' } : { op: 'add', path: '/metadata/annotations', value: { 'policy.example.com/checked': 'yes' } },
      { op: 'replace', path: '/data/level', value: 'warn' },
    ];
  });
  configuration = `mutating-${ns}`;
  await engine.client.request('POST', '/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations', {
    metadata: { name: configuration },
    webhooks: [
      {
        name: 'configmaps.mutating.strata.test',
        clientConfig: webhook.clientConfig,
        rules: [{ apiGroups: [''], apiVersions: ['v1'], operations: ['CREATE', 'UPDATE'], resources: ['configmaps'], scope: 'Namespaced' }],
        namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': ns } },
        // None: the API server calls it for dry-runs too, as it must for a dry-run to tell what would be stored.
        sideEffects: 'None',
        admissionReviewVersions: ['v1'],
        failurePolicy: 'Fail',
        timeoutSeconds: 10,
      },
    ],
  });
  // The API server picks the configuration up within a moment: wait until it calls the webhook.
  await eventually(
    async () => {
      await engine.client.apply(configMap(ns, 'probe'), { fieldManager: 'probe', dryRun: true, force: true });
      return calls > 0;
    },
    { timeoutMs: 15_000, intervalMs: 100, what: 'the webhook in use' },
  );
});
afterAll(async () => {
  await engine.client.request('DELETE', `/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations/${configuration}`).catch(() => undefined);
  await webhook?.close();
});

describe('a mutating webhook', () => {
  it('is not fought over: the re-apply is unchanged and writes nothing, and the diff is empty', async () => {
    const ns = engine.ns.name;
    const set = ManifestSet.fromObjects([configMap(ns, 'settings')]);
    const first = await applyAllStaged(engine.client, set);
    expect(first.entries.map((entry) => entry.action)).toEqual(['created']);
    const path = `/api/v1/namespaces/${ns}/configmaps/settings`;
    const stored = await engine.client.request<KubeObject & { data: Record<string, string> }>('GET', path);
    expect(stored.data).toEqual({ level: 'warn', mode: 'git' });
    expect(stored.metadata.annotations).toEqual({ 'policy.example.com/checked': 'yes' });

    const writes = engine.client.stats.writes;
    const second = await applyAllStaged(engine.client, set);
    expect(second.entries.map((entry) => `${entry.action}${entry.message ? ` ${entry.message}` : ''}`)).toEqual(['unchanged']);
    expect(engine.client.stats.writes).toBe(writes);
    expect((await engine.client.request<KubeObject>('GET', path)).metadata.resourceVersion).toBe(stored.metadata.resourceVersion);

    const diff = await diffLive(engine.client, set);
    expect(diff.entries.map((entry) => `${entry.action} ${entry.subject}`)).toEqual([`none ConfigMap/${ns}/settings`]);
    expect(diff.changed).toBe(false);
  });
});
