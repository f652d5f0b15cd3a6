import { describe, expect, it } from 'vitest';
import { Overlays, Testing } from '../../src/constructs/index.ts';
import { appFixture, at } from './_fixtures.ts';

describe('namespace', () => {
  it('moves namespaced objects, leaves cluster-scoped ones, and follows ServiceAccount subjects', () => {
    const objects = Testing.overlay(appFixture(), Overlays.namespace('shop-eu'));
    for (const object of objects) {
      if (object.kind === 'IngressClass') expect(object.metadata.namespace).toBeUndefined();
      else expect(object.metadata.namespace).toBe('shop-eu');
    }
    expect(at(Testing.find(objects, 'RoleBinding', 'web'), 'subjects', 0, 'namespace')).toBe('shop-eu');
  });

  it('keeps existing namespaces with overwrite: false', () => {
    const fixture = [
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a', namespace: 'kept' } },
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'b' } },
    ];
    const objects = Testing.overlay(fixture, Overlays.namespace('placed', { overwrite: false }));
    expect(objects.map((object) => object.metadata.namespace)).toEqual(['kept', 'placed']);
  });
});
