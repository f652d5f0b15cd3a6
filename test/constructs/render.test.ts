import { ApiObject, App, Chart, JsonPatch, Lazy } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { k8s } from 'cdk8s-plus-28';
import { describe, expect, it } from 'vitest';
import { renderObjects } from '../../src/constructs/_render.ts';
import { fleet } from '../../src/constructs/fleet.ts';
import { Canary, CanarySpecServiceTargetPort } from '../../src/constructs/imports/flagger.app.ts';
import { ServiceMonitor } from '../../src/constructs/imports/monitoring.coreos.com.ts';
import development from '../../clusters/development/index.ts';
import production from '../../clusters/production/index.ts';
import staging from '../../clusters/staging/index.ts';

// Strata renders objects with a fused resolver (src/constructs/_render.ts) instead of
// cdk8s's generic one, and converts generated L1 classes (k8s.Kube*, imports/) in the
// same walk, led by a schema probed from their code. It must produce exactly what
// cdk8s's own `toJson()` does, key order included, and fail where cdk8s fails.
function compare(app: App): void {
  const objects = app.node.findAll().filter((construct): construct is ApiObject => ApiObject.isApiObject(construct));
  const stock = objects.map((object) => JSON.stringify(object.toJson()));
  const fast = renderObjects(app, objects, (_object, json) => JSON.stringify(json));
  expect(fast).toEqual(stock);
  // and cdk8s is put back as it was
  expect(objects.map((object) => JSON.stringify(object.toJson()))).toEqual(stock);
}

describe('fast rendering', () => {
  it.each([
    ['development', development],
    ['staging', staging],
    ['production', production],
  ])('matches cdk8s toJson() for every object of %s', (_name, cluster) => {
    compare(cluster.app());
  });

  it('matches on lazies, int-or-string unions, JSON patches, empty values and cdk8s-plus objects', () => {
    const app = new App();
    const chart = new Chart(app, 'c', { labels: { chart: 'label' }, namespace: 'ns' });
    const lazy = new ApiObject(chart, 'lazy', {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { annotations: { a: 'b' }, labels: {} },
      data: { produced: Lazy.any({ produce: () => 'value' }), nothing: undefined, empty: '', list: [null, 1] } as unknown as Record<string, string>,
    });
    lazy.addJsonPatch(JsonPatch.add('/data/patched', 'yes'));
    new k8s.KubeService(chart, 'service', { spec: { ports: [{ port: 80, targetPort: k8s.IntOrString.fromString('http') }], selector: {} } });
    const role = new kplus.Role(chart, 'role');
    role.allow(['get'], kplus.ApiResource.PODS);
    new kplus.Deployment(chart, 'plus', { containers: [{ image: 'nginx:1.27' }] });
    compare(app);
  });

  it('matches for every object of a generated fleet', () => {
    compare(fleet({ objects: 400 }).app());
  });

  it('matches generated L1 objects on lazies, nulls, quantities in maps, props the converter drops and patches', () => {
    const app = new App();
    const chart = new Chart(app, 'c', { labels: { chart: 'label' } });
    const container = {
      name: 'app',
      image: Lazy.any({ produce: () => 'nginx:1.27' }),
      env: [{ name: 'A', value: 'b' }, { name: 'EMPTY', value: '' }, null],
      resources: { limits: { memory: k8s.Quantity.fromNumber(1), cpu: k8s.Quantity.fromString('500m') }, requests: {} },
      ports: [],
      command: null,
      livenessProbe: { httpGet: { path: '/healthz', port: k8s.IntOrString.fromNumber(8080) } },
    };
    new k8s.KubeDeployment(chart, 'deployment', {
      metadata: { name: 'ignored-by-cdk8s', annotations: { z: '1', a: '2' } },
      spec: {
        replicas: 0,
        selector: { matchLabels: { z: 'y', a: 'b' } },
        template: Lazy.any({ produce: () => ({ metadata: { labels: { z: 'y', a: 'b' } }, spec: { containers: [container], nodeSelector: { b: '1', a: '2' } } }) }),
      } as unknown as k8s.DeploymentSpec,
    });
    // Props the converter drops: plain ones are dropped, unrenderable ones must fail as in cdk8s.
    new k8s.KubeConfigMap(chart, 'extra', { data: { b: '1', a: '2' }, binaryData: {}, unknownField: { x: 1 } } as unknown as k8s.KubeConfigMapProps);
    const patched = new k8s.KubeService(chart, 'patched', { spec: { ports: [{ port: 80 }] } });
    patched.addJsonPatch(JsonPatch.add('/spec/type', 'NodePort'));
    new k8s.KubeCustomResourceDefinition(chart, 'crd', {
      spec: {
        group: 'example.com',
        names: { kind: 'Thing', plural: 'things' },
        scope: 'Namespaced',
        versions: [
          {
            name: 'v1',
            served: true,
            storage: true,
            schema: { openApiv3Schema: { type: 'object', properties: { spec: { type: 'object', xKubernetesPreserveUnknownFields: true, properties: { n: { type: 'integer' } } } } } },
          },
        ],
      },
    });
    new ServiceMonitor(chart, 'monitor', { spec: { selector: { matchLabels: { app: 'a' } }, endpoints: [{ port: 'http', interval: '30s' }] } });
    new Canary(chart, 'canary', {
      spec: {
        targetRef: { apiVersion: 'apps/v1', kind: 'Deployment' as never, name: 'a' },
        service: { port: 80, targetPort: CanarySpecServiceTargetPort.fromString('http') },
        analysis: { interval: '1m', threshold: 5 },
      },
    });
    compare(app);
  });

  it.each([
    ['a declared field', (chart: Chart) => new k8s.KubeConfigMap(chart, 'bad', { data: { when: new Date(0) } } as unknown as k8s.KubeConfigMapProps)],
    ['a top-level prop the converter drops', (chart: Chart) => new k8s.KubeConfigMap(chart, 'bad', { data: { a: 'b' }, unknown: { when: new Date(0) } } as unknown as k8s.KubeConfigMapProps)],
    ['a nested prop the converter drops', (chart: Chart) => new k8s.KubeService(chart, 'bad', { spec: { ports: [{ port: 80 }], unknown: new Date(0) } as unknown as k8s.ServiceSpec })],
  ])('fails where cdk8s fails: a Date in %s', (_where, build) => {
    const app = new App();
    const object = build(new Chart(app, 'c'));
    const stock = (() => {
      try {
        return object.toJson();
      } catch (error) {
        return (error as Error).message;
      }
    })();
    expect(stock).toMatch(/Failed serializing construct at path 'c\/bad'.*non-simple object of type 'Date'/);
    expect(() => renderObjects(app, [object], (_object, json) => json)).toThrow(stock as string);
  });
  it('matches on keys out of order: few and many labels, additional metadata fields, unsorted props and maps', () => {
    const app = new App();
    const chart = new Chart(app, 'c');
    const labels = (count: number) => Object.fromEntries(Array.from({ length: count }, (_, index) => [`k${(count - index) % 10}-${index}`, `v${index}`]));
    const object = new ApiObject(chart, 'unsorted', {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'unsorted', labels: { z: '1', b: '2', a: '3', 'a.b/c': '4' }, annotations: labels(20), generateName: 'x-', uid: 'u' } as Record<string, unknown>,
      data: { zz: '1', Z: '2', a: '3', '': '4', 'é': '5', '_': '6' },
    });
    object.metadata.addLabel('B', 'late');
    new k8s.KubeDeployment(chart, 'deployment', {
      metadata: { labels: labels(5), annotations: labels(17) },
      spec: {
        selector: { matchLabels: { zeta: 'z', alpha: 'a', mu: 'm' } },
        template: { metadata: { labels: { zeta: 'z', alpha: 'a', mu: 'm', beta: 'b' } }, spec: { containers: [{ name: 'c', image: 'i', env: [{ value: '1', name: 'Z' }] }], nodeSelector: labels(3) } },
      },
    });
    compare(app);
  });
});
