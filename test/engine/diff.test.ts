// Live diff (`strata diff`) against the real kube-apiserver: dry-run only, nothing written.
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { applyAllStaged } from '../../src/engine/apply.ts';
import { DiffError, diffLive } from '../../src/engine/diff.ts';
import { inventoryOf } from '../../src/engine/inventory.ts';
import { engineNamespace, manifestSet, OWNER } from './_engine.ts';

const engine = engineNamespace('engine-diff');

const cm = (name: string, value: string): string => `apiVersion: v1\nkind: ConfigMap\nmetadata: { name: ${name}, namespace: $NS }\ndata: { value: "${value}" }`;
const secret = (value: string): string => `apiVersion: v1\nkind: Secret\nmetadata: { name: creds, namespace: $NS }\nstringData: { password: ${value}, user: admin }`;

describe('diffLive', () => {
  it('skips hooks: the agent runs them for each new revision, a diff of their last run says nothing', async () => {
    const job = `apiVersion: batch/v1\nkind: Job\nmetadata: { name: migrate, namespace: $NS, annotations: { strata.dev/hook: pre-apply } }\nspec: { template: { spec: { restartPolicy: Never, containers: [{ name: m, image: x }] } } }`;
    const set = manifestSet([cm('hooked-app', '1'), job].join('\n---\n'), engine.ns.name);
    await applyAllStaged(engine.client, manifestSet(cm('hooked-app', '1'), engine.ns.name), { ownerLabels: OWNER });
    const result = await diffLive(engine.client, set, { ownerLabels: OWNER });
    expect(result.entries.map((entry) => `${entry.action} ${entry.subject}`)).toEqual([`none ConfigMap/${engine.ns.name}/hooked-app`, `skip Job/${engine.ns.name}/migrate`]);
    expect(result.changed).toBe(false);
  });

  it('lists what would be created, updated, left alone and pruned, without writing, and masks Secret values', async () => {
    const applied = manifestSet([cm('same', '1'), cm('changed', '1'), cm('removed', '1'), secret('hunter2')].join('\n---\n'), engine.ns.name);
    await applyAllStaged(engine.client, applied, { ownerLabels: OWNER });
    const next = manifestSet([cm('same', '1'), cm('changed', '2'), cm('added', '1'), secret('correct-horse')].join('\n---\n'), engine.ns.name);
    engine.client.resetStats();
    const result = await diffLive(engine.client, next, { ownerLabels: OWNER, inventory: inventoryOf(applied) });
    expect(engine.client.stats.writes).toBe(0);
    expect(result.changed).toBe(true);
    expect(result.entries.map((entry) => `${entry.action} ${entry.subject}`)).toEqual([
      `update Secret/${engine.ns.name}/creds`,
      `create ConfigMap/${engine.ns.name}/added`,
      `update ConfigMap/${engine.ns.name}/changed`,
      `delete ConfigMap/${engine.ns.name}/removed`,
      `none ConfigMap/${engine.ns.name}/same`,
    ]);
    const changed = result.entries.find((entry) => entry.subject.endsWith('/changed'))!;
    expect(changed.message).toBe('changed: data.value');
    expect(changed.diff).toContain('-  value: "1"');
    expect(changed.diff).toContain('+  value: "2"');
    const creds = result.entries.find((entry) => entry.ref.kind === 'Secret')!;
    expect(creds.diff).toContain('-  password: "*** (before)"');
    expect(creds.diff).toContain('+  password: "*** (after)"');
    expect(creds.diff).toContain('  user: "***"');
    expect(JSON.stringify(result)).not.toMatch(/hunter2|correct-horse|aHVudGVyMg|Y29ycmVjdC1ob3JzZ/);
    expect(await engine.client.get(result.entries.find((entry) => entry.action === 'create')!.ref)).toBeUndefined();

    await applyAllStaged(engine.client, next, { ownerLabels: OWNER });
    const after = await diffLive(engine.client, next, { ownerLabels: OWNER });
    expect(after.changed).toBe(false);
  });

  it('diffs a set whose CRD and Namespace do not exist yet as creations', async () => {
    const group = `d${randomBytes(3).toString('hex')}.strata.dev`;
    const set = manifestSet(
      `
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: { name: gadgets.${group} }
spec:
  group: ${group}
  scope: Namespaced
  names: { kind: Gadget, plural: gadgets }
  versions: [{ name: v1, served: true, storage: true, schema: { openAPIV3Schema: { type: object, x-kubernetes-preserve-unknown-fields: true } } }]
---
apiVersion: v1
kind: Namespace
metadata: { name: $NS-new }
---
apiVersion: ${group}/v1
kind: Gadget
metadata: { name: g, namespace: $NS-new }
---
${cm('inside', '1').replace('$NS', '$NS-new')}
`,
      engine.ns.name,
    );
    const result = await diffLive(engine.client, set, { ownerLabels: OWNER });
    expect(result.entries.map((entry) => [entry.action, entry.ref.kind, entry.message])).toEqual([
      ['create', 'CustomResourceDefinition', undefined],
      ['create', 'Namespace', undefined],
      ['create', 'ConfigMap', 'its Namespace is created by this set'],
      ['create', 'Gadget', 'its CustomResourceDefinition is created by this set'],
    ]);
  });

  it('reports objects that fail the dry-run, naming them, beside the entries that could be compared', async () => {
    const set = manifestSet(`${cm('fine', '1')}\n---\napiVersion: v1\nkind: Service\nmetadata: { name: bad, namespace: $NS }\nspec: { ports: [{ port: 99999 }] }`, engine.ns.name);
    const error = (await diffLive(engine.client, set).catch((caught: unknown) => caught)) as DiffError;
    expect(error).toBeInstanceOf(DiffError);
    expect(error.errors[0]?.message).toMatch(new RegExp(`^Service/${engine.ns.name}/bad: dry-run failed: .*port`));
    expect(error.result.entries.map((entry) => entry.subject)).toEqual([`ConfigMap/${engine.ns.name}/fine`]);
  });
});
