// Staged server-side apply against the real kube-apiserver of the test cluster.
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { refOf, type KubeObject } from '../../src/manifest/index.ts';
import { ApplyError, applyAllStaged } from '../../src/engine/apply.ts';
import { eventually } from '../cluster/eventually.ts';
import { actions, engineNamespace, manifestSet, objects, OWNER, SETTINGS_CONFIG_MAP, WEB_DEPLOYMENT } from './_engine.ts';

const engine = engineNamespace('engine-apply');

const live = async (object: KubeObject): Promise<KubeObject> => {
  const found = await engine.client.get(refOf(object));
  if (!found) throw new Error(`${object.kind}/${object.metadata.name} not found`);
  return found;
};

const base = `
${SETTINGS_CONFIG_MAP}
---
apiVersion: v1
kind: Service
metadata: { name: web, namespace: $NS }
spec: { selector: { app: web }, ports: [{ port: 80, targetPort: 8080 }] }
---
${WEB_DEPLOYMENT}
---
apiVersion: v1
kind: ServiceAccount
metadata: { name: web, namespace: $NS }
`;

describe('applyAllStaged', () => {
  it('creates, then leaves unchanged objects alone (same resourceVersion, no writes), then configures only what changed', async () => {
    const set = manifestSet(base, engine.ns.name);
    const first = await applyAllStaged(engine.client, set, { ownerLabels: OWNER });
    expect(Object.values(actions(first))).toEqual(['created', 'created', 'created', 'created']);
    // Entries come in apply order: ServiceAccount, ConfigMap, Service, Deployment.
    expect(first.entries.map((entry) => entry.ref.kind)).toEqual(['ServiceAccount', 'ConfigMap', 'Service', 'Deployment']);
    // The Deployment's status is written by its controller, so its generation stands in for its resourceVersion.
    const version = async (object: KubeObject): Promise<unknown> => (object.kind === 'Deployment' ? (await live(object)).metadata.generation : (await live(object)).metadata.resourceVersion);
    const versions = await Promise.all(set.entries.map((entry) => version(entry.object)));

    engine.client.resetStats();
    const again = await applyAllStaged(engine.client, set, { ownerLabels: OWNER });
    expect(new Set(Object.values(actions(again)))).toEqual(new Set(['unchanged']));
    expect(engine.client.stats.writes).toBe(0);
    expect(await Promise.all(set.entries.map((entry) => version(entry.object)))).toEqual(versions);

    const changed = manifestSet(base.replace('level: info', 'level: debug'), engine.ns.name);
    engine.client.resetStats();
    const third = await applyAllStaged(engine.client, changed, { ownerLabels: OWNER });
    expect(actions(third)).toMatchObject({ [`ConfigMap/${engine.ns.name}/settings`]: 'configured', [`Deployment/${engine.ns.name}/web`]: 'unchanged' });
    expect(third.entries.find((entry) => entry.action === 'configured')?.message).toBe('changed: data.level');
    expect(engine.client.stats.writes).toBe(1);
    const cm = await live(changed.entries.find((entry) => entry.ref.kind === 'ConfigMap')!.object);
    expect(cm.data).toEqual({ level: 'debug' });
  });

  it('puts the owner labels on every object and applies with field manager strata', async () => {
    const set = manifestSet(base, engine.ns.name);
    for (const entry of set.entries) {
      const object = await live(entry.object);
      expect(object.metadata.labels).toMatchObject(OWNER);
      expect((object.metadata.managedFields as { manager: string; operation: string }[]).some((field) => field.manager === 'strata' && field.operation === 'Apply')).toBe(true);
    }
  });

  it('applies a CRD and its custom resources in one set, in a namespace created by the same set', async () => {
    const group = `t${randomBytes(3).toString('hex')}.strata.dev`;
    const namespace = `${engine.ns.name}-crd`;
    const set = manifestSet(
      `
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: { name: widgets.${group} }
spec:
  group: ${group}
  scope: Namespaced
  names: { kind: Widget, plural: widgets, singular: widget, listKind: WidgetList }
  versions:
    - name: v1
      served: true
      storage: true
      schema: { openAPIV3Schema: { type: object, properties: { spec: { type: object, properties: { size: { type: integer } } } } } }
---
apiVersion: v1
kind: Namespace
metadata: { name: ${namespace} }
---
apiVersion: ${group}/v1
kind: Widget
metadata: { name: small, namespace: ${namespace} }
spec: { size: 1 }
`,
      engine.ns.name,
    );
    try {
      const result = await applyAllStaged(engine.client, set, { ownerLabels: OWNER });
      expect(actions(result)).toEqual({
        [`CustomResourceDefinition/widgets.${group}`]: 'created',
        [`Namespace/${namespace}`]: 'created',
        [`Widget/${namespace}/small`]: 'created',
      });
      expect((await applyAllStaged(engine.client, set, { ownerLabels: OWNER })).entries.every((entry) => entry.action === 'unchanged')).toBe(true);
    } finally {
      await engine.client.delete({ group: 'apiextensions.k8s.io', version: 'v1', kind: 'CustomResourceDefinition', namespace: '', name: `widgets.${group}` });
      await engine.client.delete({ group: '', version: 'v1', kind: 'Namespace', namespace: '', name: namespace });
    }
  });

  it('writes nothing of a stage when one object fails its dry-run, and names every failed object', async () => {
    const set = manifestSet(
      `
apiVersion: v1
kind: ConfigMap
metadata: { name: would-be-created, namespace: $NS }
data: { a: "1" }
---
apiVersion: apps/v1
kind: Deployment
metadata: { name: no-selector, namespace: $NS }
spec: { template: { metadata: { labels: { app: x } }, spec: { containers: [{ name: x, image: x }] } } }
---
apiVersion: example.invalid/v1
kind: Nothing
metadata: { name: nothing, namespace: $NS }
`,
      engine.ns.name,
    );
    const error = await applyAllStaged(engine.client, set, { ownerLabels: OWNER }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ApplyError);
    const messages = (error as ApplyError).errors.map((entry) => entry.message);
    expect(messages).toHaveLength(2);
    expect(messages.some((message) => message.startsWith(`Deployment/${engine.ns.name}/no-selector: dry-run failed:`) && message.includes('selector'))).toBe(true);
    expect(messages.some((message) => message.startsWith(`Nothing/${engine.ns.name}/nothing: no kind Nothing in example.invalid/v1`))).toBe(true);
    expect((error as ApplyError).changeSet.entries).toEqual([]);
    expect(await engine.client.get(refOf(objects('apiVersion: v1\nkind: ConfigMap\nmetadata: { name: would-be-created, namespace: $NS }', engine.ns.name)[0]!))).toBeUndefined();
  });

  it('refuses unknown fields, naming the object', async () => {
    const yaml = 'apiVersion: apps/v1\nkind: Deployment\nmetadata: { name: typo, namespace: $NS }\nspec: { replicaz: 2, selector: { matchLabels: { app: t } }, template: { metadata: { labels: { app: t } }, spec: { containers: [{ name: t, image: t }] } } }';
    const error = (await applyAllStaged(engine.client, manifestSet(yaml, engine.ns.name), { ownerLabels: OWNER }).catch((caught: unknown) => caught)) as ApplyError;
    expect(error).toBeInstanceOf(ApplyError);
    expect(error.errors[0]?.message).toMatch(new RegExp(`^Deployment/${engine.ns.name}/typo: dry-run failed: .*\\.spec\\.replicaz: field not declared in schema`));
  });

  it('names the object once when the cause already names it (a namespaced kind without a namespace)', async () => {
    const yaml = 'apiVersion: v1\nkind: ServiceAccount\nmetadata: { name: adservice }';
    const error = (await applyAllStaged(engine.client, manifestSet(yaml, engine.ns.name), { ownerLabels: OWNER }).catch((caught: unknown) => caught)) as ApplyError;
    expect(error).toBeInstanceOf(ApplyError);
    expect(error.errors.map((each) => each.message)).toEqual(['ServiceAccount/adservice: ServiceAccount is namespaced but the object has no namespace']);
  });

  describe('immutable fields', () => {
    const immutable = (value: string, annotations = ''): string => `
apiVersion: v1
kind: ConfigMap
metadata: { name: frozen, namespace: $NS${annotations} }
immutable: true
data: { value: "${value}" }
`;
    it('fail without force, naming the object and keeping the cause', async () => {
      await applyAllStaged(engine.client, manifestSet(immutable('1'), engine.ns.name), { ownerLabels: OWNER });
      const error = (await applyAllStaged(engine.client, manifestSet(immutable('2'), engine.ns.name), { ownerLabels: OWNER }).catch((caught: unknown) => caught)) as ApplyError;
      expect(error).toBeInstanceOf(ApplyError);
      expect(error.errors[0]?.message).toMatch(new RegExp(`^ConfigMap/${engine.ns.name}/frozen: immutable field changed; set force or annotate strata.dev/force: enabled to recreate: .*immutable`));
      expect(error.errors[0]?.cause).toBeDefined();
    });
    it('recreate the object with force', async () => {
      const before = await live(objects(immutable('1'), engine.ns.name)[0]!);
      const result = await applyAllStaged(engine.client, manifestSet(immutable('2'), engine.ns.name), { ownerLabels: OWNER, force: true });
      expect(result.entries[0]).toMatchObject({ action: 'created' });
      expect(result.entries[0]?.message).toMatch(/^recreated: /);
      const after = await live(objects(immutable('2'), engine.ns.name)[0]!);
      expect(after.metadata.uid).not.toBe(before.metadata.uid);
      expect(after.data).toEqual({ value: '2' });
    });
    it('recreate the object annotated strata.dev/force: enabled', async () => {
      const annotated = (value: string): string => immutable(value, ', annotations: { strata.dev/force: enabled }');
      const result = await applyAllStaged(engine.client, manifestSet(annotated('3'), engine.ns.name), { ownerLabels: OWNER });
      expect(result.entries[0]?.action).toBe('created');
      expect((await live(objects(annotated('3'), engine.ns.name)[0]!)).data).toEqual({ value: '3' });
    });
  });

  it('recreates a Job whose pod template changed only with force', async () => {
    const job = (image: string): string => `
apiVersion: batch/v1
kind: Job
metadata: { name: migrate, namespace: $NS }
spec:
  backoffLimit: 0
  template:
    spec: { restartPolicy: Never, containers: [{ name: migrate, image: ${image} }] }
`;
    await applyAllStaged(engine.client, manifestSet(job('migrate:1'), engine.ns.name), { ownerLabels: OWNER });
    const error = (await applyAllStaged(engine.client, manifestSet(job('migrate:2'), engine.ns.name), { ownerLabels: OWNER }).catch((caught: unknown) => caught)) as ApplyError;
    expect(error.errors[0]?.message).toMatch(new RegExp(`^Job/${engine.ns.name}/migrate: immutable field changed; .*field is immutable`));
    const result = await applyAllStaged(engine.client, manifestSet(job('migrate:2'), engine.ns.name), { ownerLabels: OWNER, force: true });
    expect(result.entries[0]).toMatchObject({ subject: `Job/${engine.ns.name}/migrate`, action: 'created' });
    const live = (await engine.client.get(result.entries[0]!.ref)) as KubeObject & { spec: { template: { spec: { containers: { image: string }[] } } } };
    expect(live.spec.template.spec.containers[0]?.image).toBe('migrate:2');
  });

  describe('opt-out annotations', () => {
    it('strata.dev/reconcile: disabled is never applied', async () => {
      const set = manifestSet(
        `
apiVersion: v1
kind: ConfigMap
metadata: { name: disabled, namespace: $NS, annotations: { strata.dev/reconcile: disabled } }
data: { a: "1" }
`,
        engine.ns.name,
      );
      expect((await applyAllStaged(engine.client, set, { ownerLabels: OWNER })).entries[0]).toMatchObject({ action: 'skipped', message: 'reconcile disabled by annotation' });
      expect(await engine.client.get(set.entries[0]!.ref)).toBeUndefined();
    });

    it('a live object annotated strata.dev/ssa: Ignore is left as it is', async () => {
      const yaml = (value: string): string => `
apiVersion: v1
kind: ConfigMap
metadata: { name: paused, namespace: $NS }
data: { a: "${value}" }
`;
      await applyAllStaged(engine.client, manifestSet(yaml('1'), engine.ns.name), { ownerLabels: OWNER });
      const ref = refOf(objects(yaml('1'), engine.ns.name)[0]!);
      await engine.client.request('PATCH', `/api/v1/namespaces/${engine.ns.name}/configmaps/paused`, { metadata: { annotations: { 'strata.dev/ssa': 'Ignore' } } }, { contentType: 'application/merge-patch+json' });
      const result = await applyAllStaged(engine.client, manifestSet(yaml('2'), engine.ns.name), { ownerLabels: OWNER });
      expect(result.entries[0]?.action).toBe('skipped');
      expect((await engine.client.get(ref))?.data).toEqual({ a: '1' });
    });

    it('strata.dev/ssa: IfNotPresent creates a missing object but never updates it', async () => {
      const yaml = (value: string): string => `
apiVersion: v1
kind: ConfigMap
metadata: { name: seeded, namespace: $NS, annotations: { strata.dev/ssa: IfNotPresent } }
data: { a: "${value}" }
`;
      expect((await applyAllStaged(engine.client, manifestSet(yaml('1'), engine.ns.name), { ownerLabels: OWNER })).entries[0]?.action).toBe('created');
      const result = await applyAllStaged(engine.client, manifestSet(yaml('2'), engine.ns.name), { ownerLabels: OWNER });
      expect(result.entries[0]).toMatchObject({ action: 'skipped', message: 'exists and is annotated strata.dev/ssa: IfNotPresent' });
      expect((await engine.client.get(refOf(objects(yaml('1'), engine.ns.name)[0]!)))?.data).toEqual({ a: '1' });
    });
  });

  it('applies as the impersonated user: a user without rights is refused, and the error names the object', async () => {
    const set = manifestSet('apiVersion: v1\nkind: ConfigMap\nmetadata: { name: tenant, namespace: $NS }\ndata: { a: "1" }', engine.ns.name);
    const error = (await applyAllStaged(engine.client, set, { ownerLabels: OWNER, impersonate: 'alice' }).catch((caught: unknown) => caught)) as ApplyError;
    expect(error).toBeInstanceOf(ApplyError);
    expect(error.errors[0]?.message).toMatch(new RegExp(`^ConfigMap/${engine.ns.name}/tenant: .*forbidden.*alice`, 's'));
    expect(await engine.client.get(set.entries[0]!.ref)).toBeUndefined();
  });

  it('applies as a tenant service account: allowed in its namespace, refused outside it', async () => {
    const json = { contentType: 'application/json' };
    await engine.client.request('POST', `/api/v1/namespaces/${engine.ns.name}/serviceaccounts`, { metadata: { name: 'tenant' } }, json);
    await engine.client.request('POST', `/apis/rbac.authorization.k8s.io/v1/namespaces/${engine.ns.name}/rolebindings`, {
      metadata: { name: 'tenant-edit' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'edit' },
      subjects: [{ kind: 'ServiceAccount', name: 'tenant', namespace: engine.ns.name }],
    }, json);
    const tenant = `system:serviceaccount:${engine.ns.name}:tenant`;
    // The authorizer sees a new RoleBinding (and the aggregated `edit` role) a moment later.
    await eventually(async () => {
      const review = await engine.client.request<{ status?: { allowed?: boolean } }>('POST', '/apis/authorization.k8s.io/v1/subjectaccessreviews', {
        apiVersion: 'authorization.k8s.io/v1',
        kind: 'SubjectAccessReview',
        spec: { user: tenant, groups: ['system:serviceaccounts', 'system:authenticated'], resourceAttributes: { namespace: engine.ns.name, verb: 'patch', resource: 'configmaps' } },
      }, json);
      return review.status?.allowed === true;
    });
    const inside = manifestSet('apiVersion: v1\nkind: ConfigMap\nmetadata: { name: tenant-owned, namespace: $NS }\ndata: { a: "1" }', engine.ns.name);
    expect((await applyAllStaged(engine.client, inside, { ownerLabels: OWNER, impersonate: tenant })).entries[0]?.action).toBe('created');
    const outside = manifestSet('apiVersion: v1\nkind: ConfigMap\nmetadata: { name: escape, namespace: default }\ndata: { a: "1" }', engine.ns.name);
    const error = (await applyAllStaged(engine.client, outside, { ownerLabels: OWNER, impersonate: tenant }).catch((caught: unknown) => caught)) as ApplyError;
    expect(error).toBeInstanceOf(ApplyError);
    expect(error.errors[0]?.message).toMatch(new RegExp(`^ConfigMap/default/escape: .*forbidden.*system:serviceaccount:${engine.ns.name}:tenant`, 's'));
  });

  it('reads many objects of one kind with one LIST and applies a large set without writes on re-apply', async () => {
    const yaml = Array.from({ length: 40 }, (_, index) => `apiVersion: v1\nkind: ConfigMap\nmetadata: { name: many-${index}, namespace: $NS }\ndata: { i: "${index}" }`).join('\n---\n');
    const set = manifestSet(yaml, engine.ns.name);
    expect((await applyAllStaged(engine.client, set, { ownerLabels: OWNER, concurrency: 16 })).entries.every((entry) => entry.action === 'created')).toBe(true);
    engine.client.resetStats();
    const again = await applyAllStaged(engine.client, set, { ownerLabels: OWNER, concurrency: 16 });
    expect(again.entries.every((entry) => entry.action === 'unchanged')).toBe(true);
    // One LIST (plus nothing else read) and one dry-run per object; no writes.
    expect(engine.client.stats).toMatchObject({ writes: 0, dryRuns: 40, requests: 41 });
  });

  it('creates a ServiceAccount before dry-running the Pod that runs as it (same stage)', async () => {
    const set = manifestSet(
      `
apiVersion: v1
kind: Pod
metadata: { name: runner, namespace: $NS }
spec: { serviceAccountName: runner, containers: [{ name: app, image: nginx:1.27 }] }
---
apiVersion: v1
kind: ServiceAccount
metadata: { name: runner, namespace: $NS }
`,
      engine.ns.name,
    );
    expect(actions(await applyAllStaged(engine.client, set, { ownerLabels: OWNER }))).toEqual({ [`ServiceAccount/${engine.ns.name}/runner`]: 'created', [`Pod/${engine.ns.name}/runner`]: 'created' });
  });

  it('stops when aborted', async () => {
    const controller = new AbortController();
    controller.abort(new Error('superseded by a new revision'));
    await expect(applyAllStaged(engine.client, manifestSet(base, engine.ns.name), { ownerLabels: OWNER, signal: controller.signal })).rejects.toThrow('superseded by a new revision');
  });
});
