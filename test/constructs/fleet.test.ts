import { describe, expect, it } from 'vitest';
import { fleet, Overlays } from '../../src/constructs/index.ts';

describe('fleet', () => {
  it('compiles to exactly the number of objects asked for, of every archetype', () => {
    for (const objects of [1, 13, 1000]) {
      const entries = fleet({ objects }).synthesize();
      expect(entries).toHaveLength(objects);
    }
    const kinds = new Set(fleet({ objects: 100 }).synthesize().map((entry) => entry.object.kind));
    expect([...kinds].sort()).toEqual(['CronJob', 'Deployment', 'HorizontalPodAutoscaler', 'Ingress', 'NetworkPolicy', 'PodDisruptionBudget', 'Service', 'ServiceAccount', 'ServiceMonitor']);
  });

  it('takes the overlays the benchmarks compare with kustomize', () => {
    const entries = fleet({
      objects: 200,
      overlays: [Overlays.namespace('bench'), Overlays.namePrefix('p-'), Overlays.labels({ env: 'bench' }), Overlays.images([{ name: 'ghcr.io/fleet/app-0', newTag: '2.0.0' }]), Overlays.replicas([{ name: 'p-app-1', count: 3 }])],
    }).synthesize();
    expect(entries.every((entry) => entry.object.metadata.namespace === 'bench' && entry.object.metadata.name.startsWith('p-'))).toBe(true);
    expect(JSON.stringify(entries)).toContain('ghcr.io/fleet/app-0:2.0.0');
  });
});
