import { describe, expect, it } from 'vitest';
import { compareEnvironments, filesOf } from '../../src/compiler/index.ts';
import { ManifestSet, type KubeObject } from '../../src/manifest/index.ts';

function cluster(name: string, prefix: string, namespace: string, replicas: number) {
  const objects: { object: KubeObject; source: string }[] = [
    { source: `${name}/apps/api/ConfigMap`, object: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `${prefix}api-config`, namespace }, data: { A: '1' } } },
    {
      source: `${name}/apps/api/Deployment`,
      object: {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: `${prefix}api`, namespace, labels: { env: name } },
        spec: { replicas, template: { spec: { containers: [{ name: 'api', envFrom: [{ configMapRef: { name: `${prefix}api-config` } }] }] } } },
      },
    },
  ];
  const set = ManifestSet.of(objects);
  return { name, set, files: filesOf(name, set) };
}

describe('compareEnvironments', () => {
  it('factors out namespace, name prefix, the references to renamed objects and the cluster name', () => {
    const result = compareEnvironments(cluster('staging', 'stg-', 'shop-stg', 2), cluster('production', 'prd-', 'shop', 4));
    expect(result.namespaces).toEqual({ 'shop-stg': 'shop' });
    expect(result.renamed).toBe(2);
    expect(result.identical).toBe(1);
    expect(result.changed).toEqual([{ id: 'apps/api/Deployment', a: 'Deployment/shop-stg/stg-api', b: 'Deployment/shop/prd-api', differences: [{ path: 'spec.replicas', a: 2, b: 4 }] }]);
    expect(result.same).toBe(false);
  });

  it('is the same for two identical environments', () => {
    expect(compareEnvironments(cluster('a', '', 'shop', 2), cluster('b', '', 'shop', 2)).same).toBe(true);
  });
});

describe('parity of the example', () => {
  it("shows a chart's values that differ per environment like any other difference", async () => {
    const { compile } = await import('../../src/compiler/index.ts');
    const { REPO } = await import('./_project.ts');
    const [development, production] = await compile({ root: REPO, clusters: ['development', 'production'], typecheck: false, cache: false });
    const result = compareEnvironments(development!, production!);
    // ingress-nginx's controller.replicaCount is environment.component('ingress-nginx').replicas(2): 1 in development.
    const controller = result.changed.find((change) => change.id === 'base/ingress-nginx/Deployment-ingress-nginx-controller');
    expect(controller?.differences).toContainEqual({ path: 'spec.replicas', a: 1, b: 2 });
    // Its metrics Service only where ServiceMonitors are on.
    expect(JSON.stringify(result)).toContain('ingress-nginx-controller-metrics');
  }, 120_000);
});
