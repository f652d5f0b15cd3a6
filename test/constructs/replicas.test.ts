import { describe, expect, it } from 'vitest';
import { Overlays, Testing } from '../../src/constructs/index.ts';
import { appFixture, at } from './_fixtures.ts';

describe('replicas', () => {
  it('sets replicas on a workload without an autoscaler', () => {
    const fixture = appFixture().filter((object) => object.kind !== 'HorizontalPodAutoscaler');
    const objects = Testing.overlay(fixture, Overlays.replicas([{ name: 'web', count: 5 }]));
    expect(at(Testing.find(objects, 'Deployment', 'web'), 'spec', 'replicas')).toBe(5);
  });

  it('moves the autoscaler minimum instead when one targets the workload', () => {
    const objects = Testing.overlay(appFixture(), Overlays.replicas([{ name: 'web', count: 6 }]));
    expect(at(Testing.find(objects, 'Deployment', 'web'), 'spec', 'replicas')).toBe(2);
    expect(at(Testing.find(objects, 'HorizontalPodAutoscaler', 'web'), 'spec')).toMatchObject({ minReplicas: 6, maxReplicas: 6 });
  });

  it('reports a missing target and a bad count', () => {
    expect(() => Testing.overlay(appFixture(), Overlays.replicas([{ name: 'nope', count: 1 }]))).toThrow(/Deployment\/nope: no such object/);
    expect(() => Testing.overlay(appFixture(), Overlays.replicas([{ name: 'web', count: -1 }]))).toThrow(/whole number/);
  });
});
