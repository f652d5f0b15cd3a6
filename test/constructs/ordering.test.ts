import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { describe, expect, it } from 'vitest';
import { Testing, Wave } from '../../src/constructs/index.ts';
import { objectProblems } from '../../src/compiler/index.ts';

describe('Wave', () => {
  it('annotates every object under a construct, added before or after; the nearest wave and an own annotation win', () => {
    const objects = Testing.objects((scope) => {
      const operators = new Construct(scope, 'operators');
      new k8s.KubeConfigMap(operators, 'early', { metadata: { name: 'early', namespace: 'shop' } });
      Wave.of(operators).set(-1);
      new k8s.KubeConfigMap(operators, 'late', { metadata: { name: 'late', namespace: 'shop' } });
      const inner = new Construct(operators, 'inner');
      Wave.of(inner).set(2);
      new k8s.KubeConfigMap(inner, 'inner', { metadata: { name: 'inner', namespace: 'shop' } });
      new k8s.KubeConfigMap(operators, 'own', { metadata: { name: 'own', namespace: 'shop', annotations: { 'strata.dev/wave': '7' } } });
      new k8s.KubeConfigMap(scope, 'none', { metadata: { name: 'none', namespace: 'shop' } });
    });
    const waveOf = (name: string) => Testing.find(objects, 'ConfigMap', name).metadata.annotations?.['strata.dev/wave'];
    expect(['early', 'late', 'inner', 'own', 'none'].map(waveOf)).toEqual(['-1', '-1', '2', '7', undefined]);
  });

  it('refuses a wave that is not an integer, naming the construct', () => {
    expect(() => Testing.objects((scope) => Wave.of(new Construct(scope, 'apps')).set(1.5))).toThrow(/test\/apps: wave 1.5 is not an integer/);
  });

  it('a bad wave annotation written by hand is a compile problem naming the object and the annotation', () => {
    const problems = objectProblems([
      { object: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cm', namespace: 'shop', annotations: { 'strata.dev/wave': 'soon' } } }, source: 'test/apps/cm' },
    ]);
    expect(problems).toEqual([
      {
        source: 'test/apps/cm',
        ref: expect.objectContaining({ kind: 'ConfigMap', namespace: 'shop', name: 'cm' }),
        field: 'metadata.annotations["strata.dev/wave"]',
        message: '"soon" is not an integer (waves are applied in ascending order, default 0)',
      },
    ]);
  });
});
