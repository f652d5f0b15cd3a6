import { ApiObject, App, Chart, JsonPatch, Lazy } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { k8s } from 'cdk8s-plus-28';
import { describe, expect, it } from 'vitest';
import { renderObjects } from '../../src/constructs/_render.ts';
import development from '../../clusters/development/index.ts';
import production from '../../clusters/production/index.ts';
import staging from '../../clusters/staging/index.ts';

// Strata renders objects with a fused resolver (src/constructs/_render.ts) instead of
// cdk8s's generic one. It must produce exactly what cdk8s's own `toJson()` does.
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
});
