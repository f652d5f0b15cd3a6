import { describe, expect, expectTypeOf, it } from 'vitest';
import { Overlays, Testing } from '../../src/constructs/index.ts';
import type { KnownKind } from '../../src/constructs/kinds.ts';
import { appFixture, at } from './_fixtures.ts';

describe('patch (typed)', () => {
  it('edits one object through a callback typed with its kind', () => {
    const objects = Testing.overlay(
      appFixture(),
      Overlays.patch('Deployment', 'web', (deployment) => {
        // `deployment` is typed: spec.template.spec.containers[].resources.limits and so on.
        const container = deployment.spec?.template.spec?.containers[0];
        if (container) container.resources = { limits: { memory: '1Gi' } };
        if (deployment.spec) deployment.spec.minReadySeconds = 10;
      }),
    );
    const deployment = Testing.find(objects, 'Deployment', 'web');
    expect(at(deployment, 'spec', 'minReadySeconds')).toBe(10);
    expect(at(deployment, 'spec', 'template', 'spec', 'containers', 0, 'resources')).toEqual({ limits: { memory: '1Gi' } });
  });

  it('accepts a replacement object as the result', () => {
    const objects = Testing.overlay(appFixture(), Overlays.patch('ConfigMap', 'web-config', (configMap) => ({ ...configMap, data: { MODE: 'slow' } })));
    expect(Testing.find(objects, 'ConfigMap', 'web-config').data).toEqual({ MODE: 'slow' });
  });

  it('is type-checked: wrong field types and unknown kinds do not compile', () => {
    // Type tests: checked by `tsc --noEmit` in `npm test` (vitest runs nothing of them).
    type Edited<K extends KnownKind> = Parameters<Parameters<typeof Overlays.patch<K>>[2]>[0];
    expectTypeOf<NonNullable<Edited<'Deployment'>['spec']>['replicas']>().toEqualTypeOf<number | undefined>();
    expectTypeOf<NonNullable<Edited<'Deployment'>['spec']>['replicas']>().not.toMatchTypeOf<string>();
    expectTypeOf<Edited<'ConfigMap'>['data']>().toEqualTypeOf<{ [key: string]: string } | undefined>();
    expectTypeOf<'Deployment'>().toMatchTypeOf<Parameters<typeof Overlays.patch>[0]>();
    // Not a kind the typed patch knows (use jsonPatch).
    expectTypeOf<'Deploymnet'>().not.toMatchTypeOf<Parameters<typeof Overlays.patch>[0]>();
  });

  it('reports a selector that matches nothing or more than one object', () => {
    expect(() => Testing.overlay(appFixture(), Overlays.patch('Service', 'nope', () => undefined))).toThrow(/Service\/nope: no such object/);
    const twice = [...appFixture(), { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: 'other' } }];
    expect(() => Testing.overlay(twice, Overlays.patch('Service', 'web', () => undefined))).toThrow(/matches 2 objects/);
    expect(() => Testing.overlay(twice, Overlays.patch('Service', 'web', () => undefined, { namespace: 'other' }))).not.toThrow();
  });
});

describe('patch on imported CRDs', () => {
  it('types Canary fields, enums as their string values', () => {
    const canary = {
      apiVersion: 'flagger.app/v1beta1',
      kind: 'Canary',
      metadata: { name: 'api', namespace: 'shop' },
      spec: { targetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'api' }, service: { port: 80 }, analysis: { stepWeight: 10 } },
    };
    const [patched] = Testing.overlay(
      [canary],
      Overlays.patch('Canary', 'api', (object) => {
        object.spec.targetRef.kind = 'DaemonSet';
        if (object.spec.analysis) object.spec.analysis.stepWeight = 5;
      }),
    );
    expect(at(patched, 'spec', 'targetRef', 'kind')).toBe('DaemonSet');
    expect(at(patched, 'spec', 'analysis', 'stepWeight')).toBe(5);
  });
});
