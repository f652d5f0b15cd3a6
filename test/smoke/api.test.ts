// The shared test cluster is a real Kubernetes API: CRDs, server-side apply conflicts, RBAC and
// dry-run behave as on a production cluster.
import {
  ApiextensionsV1Api,
  CoreV1Api,
  KubernetesObjectApi,
  PatchStrategy,
  RbacAuthorizationV1Api,
  type KubernetesObject,
  type V1ConfigMap,
} from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testKubeConfig } from '../cluster/context.ts';
import { eventually } from '../cluster/eventually.ts';
import { createTestNamespace, type TestNamespace } from '../cluster/namespace.ts';

const kc = testKubeConfig();
const objects = KubernetesObjectApi.makeApiClient(kc);
let ns: TestNamespace;

beforeAll(async () => {
  ns = await createTestNamespace(kc, 'smoke-api');
});
afterAll(async () => {
  await ns?.delete();
});

const statusCode = async (p: Promise<unknown>): Promise<number> => {
  try {
    await p;
    return 200;
  } catch (err) {
    return (err as { code?: number }).code ?? -1;
  }
};

type ConfigMapObject = V1ConfigMap & { apiVersion: string; kind: string; metadata: { name: string; namespace: string } };

const configMap = (name: string, data: Record<string, string>): ConfigMapObject => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name, namespace: ns.name },
  data,
});

const apply = <T extends KubernetesObject>(obj: T, manager: string, options: { force?: boolean; dryRun?: boolean } = {}) =>
  objects.patch(obj, undefined, options.dryRun ? 'All' : undefined, manager, options.force ?? false, PatchStrategy.ServerSideApply);

describe('test cluster API', () => {
  it('serves a CRD once Established, and objects of it', async () => {
    const ext = kc.makeApiClient(ApiextensionsV1Api);
    const group = `${ns.name}.smoke.strata.dev`;
    const crdName = `widgets.${group}`;
    await ext.createCustomResourceDefinition({
      body: {
        metadata: { name: crdName },
        spec: {
          group,
          scope: 'Namespaced',
          names: { plural: 'widgets', singular: 'widget', kind: 'Widget', listKind: 'WidgetList' },
          versions: [
            {
              name: 'v1',
              served: true,
              storage: true,
              schema: {
                openAPIV3Schema: {
                  type: 'object',
                  properties: { spec: { type: 'object', properties: { size: { type: 'integer' } } } },
                },
              },
            },
          ],
        },
      },
    });
    try {
      await eventually(
        async () => {
          const crd = await ext.readCustomResourceDefinition({ name: crdName });
          return crd.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True');
        },
        { what: `${crdName} Established` },
      );
      const widget = { apiVersion: `${group}/v1`, kind: 'Widget', metadata: { name: 'w1', namespace: ns.name }, spec: { size: 3 } };
      // Discovery in the client can lag behind Established for a moment.
      await eventually(() => objects.create(widget), { what: 'Widget created' });
      const read = (await objects.read(widget)) as KubernetesObject & { spec?: { size?: number } };
      expect(read.spec?.size).toBe(3);
    } finally {
      await ext.deleteCustomResourceDefinition({ name: crdName });
    }
  });

  it('rejects a conflicting server-side apply, and accepts it with force', async () => {
    await apply(configMap('ssa', { owner: 'a' }), 'manager-a');
    const conflict = await statusCode(apply(configMap('ssa', { owner: 'b' }), 'manager-b'));
    expect(conflict).toBe(409);
    await apply(configMap('ssa', { owner: 'b' }), 'manager-b', { force: true });
    const read = (await objects.read(configMap('ssa', {}))) as V1ConfigMap;
    expect(read.data).toEqual({ owner: 'b' });
    const managers = read.metadata?.managedFields?.map((f) => f.manager);
    expect(managers).toContain('manager-b');
  });

  it('denies a non-admin user until a RoleBinding allows it', async () => {
    const alice = testKubeConfig('alice').makeApiClient(CoreV1Api);
    expect(await statusCode(alice.listNamespacedConfigMap({ namespace: ns.name }))).toBe(403);
    const rbac = kc.makeApiClient(RbacAuthorizationV1Api);
    await rbac.createNamespacedRole({
      namespace: ns.name,
      body: {
        metadata: { name: 'configmap-reader' },
        rules: [{ apiGroups: [''], resources: ['configmaps'], verbs: ['get', 'list'] }],
      },
    });
    await rbac.createNamespacedRoleBinding({
      namespace: ns.name,
      body: {
        metadata: { name: 'alice-reads-configmaps' },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'configmap-reader' },
        subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: 'alice' }],
      },
    });
    await eventually(async () => (await statusCode(alice.listNamespacedConfigMap({ namespace: ns.name }))) === 200, {
      what: 'alice allowed to list configmaps',
    });
    // Still nothing beyond the binding: bob has no binding, alice cannot write.
    const bob = testKubeConfig('bob').makeApiClient(CoreV1Api);
    expect(await statusCode(bob.listNamespacedConfigMap({ namespace: ns.name }))).toBe(403);
    expect(await statusCode(alice.createNamespacedConfigMap({ namespace: ns.name, body: configMap('by-alice', {}) }))).toBe(403);
  });

  it('changes nothing on a dry-run apply', async () => {
    const created = await apply(configMap('dry-new', { a: '1' }), 'dry', { dryRun: true });
    expect(created.metadata?.name).toBe('dry-new');
    expect(await statusCode(objects.read(configMap('dry-new', {})))).toBe(404);

    const real = await apply(configMap('dry-existing', { a: '1' }), 'dry');
    const changed = (await apply(configMap('dry-existing', { a: '2' }), 'dry', { dryRun: true })) as V1ConfigMap;
    expect(changed.data).toEqual({ a: '2' });
    const after = (await objects.read(configMap('dry-existing', {}))) as V1ConfigMap;
    expect(after.data).toEqual({ a: '1' });
    expect(after.metadata?.resourceVersion).toBe(real.metadata?.resourceVersion);
  });
});
