import { describe, expect, it } from 'vitest';
import { ManifestSet } from '../../src/manifest/index.ts';
import { withTargetNamespace } from '../../src/reconciler/target-namespace.ts';

describe('targetNamespace', () => {
  it('moves namespaced objects only, knowing cluster-scoped CRDs of the same set', () => {
    const set = ManifestSet.fromObjects([
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a', namespace: 'x' } },
      { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'r' } },
      { apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', metadata: { name: 'gs.e.com' }, spec: { group: 'e.com', scope: 'Cluster', names: { kind: 'G' } } },
      { apiVersion: 'e.com/v1', kind: 'G', metadata: { name: 'g' } },
    ]);
    const moved = withTargetNamespace(set, 'tenant');
    expect(moved.entries.map((entry) => `${entry.ref.kind}:${entry.ref.namespace}`).sort()).toEqual(['ClusterRole:', 'ConfigMap:tenant', 'CustomResourceDefinition:', 'G:']);
  });
});
