import { describe, expect, it } from 'vitest';
import { OrderingError, describeWave, wavesOf } from '../../src/engine/index.ts';
import { ManifestSet, type KubeObject } from '../../src/manifest/index.ts';

const cm = (name: string, wave?: string): KubeObject => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name, namespace: 'shop', ...(wave === undefined ? {} : { annotations: { 'strata.dev/wave': wave } }) },
});
const deployment = (name: string, wave?: string): KubeObject => ({ ...cm(name, wave), apiVersion: 'apps/v1', kind: 'Deployment' });

describe('wavesOf', () => {
  it('is the set itself without wave annotations', () => {
    const set = ManifestSet.fromObjects([cm('a'), deployment('b')]);
    expect(wavesOf(set)).toEqual([{ wave: 0, set }]);
  });

  it('splits by wave in ascending order, kind order inside a wave', () => {
    const set = ManifestSet.fromObjects([deployment('web', '10'), cm('web-config', '10'), cm('schema', '-1'), deployment('api'), cm('api-config')]);
    const waves = wavesOf(set);
    expect(waves.map((wave) => [wave.wave, wave.set.entries.map((entry) => entry.ref.kind + '/' + entry.ref.name)])).toEqual([
      [-1, ['ConfigMap/schema']],
      [0, ['ConfigMap/api-config', 'Deployment/api']],
      [10, ['ConfigMap/web-config', 'Deployment/web']],
    ]);
    expect(describeWave(waves, 2)).toBe('wave 10 (3 of 3)');
  });

  it('names every object with a bad wave and the annotation', () => {
    const set = ManifestSet.of([
      { object: cm('a', 'first'), source: 'shop/configmap-a.yaml' },
      { object: cm('b', '2.5'), source: 'shop/configmap-b.yaml' },
      { object: cm('c', '1') },
    ]);
    let error: unknown;
    try {
      wavesOf(set);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(OrderingError);
    expect((error as OrderingError).errors.map((part) => part.message)).toEqual([
      'ConfigMap/shop/a: shop/configmap-a.yaml: annotation strata.dev/wave: "first" is not an integer (waves are applied in ascending order, default 0)',
      'ConfigMap/shop/b: shop/configmap-b.yaml: annotation strata.dev/wave: "2.5" is not an integer (waves are applied in ascending order, default 0)',
    ]);
  });
});
