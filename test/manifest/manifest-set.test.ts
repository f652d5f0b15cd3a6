import { describe, expect, it } from 'vitest';
import { DuplicateObjectError, ManifestSet, parseManifestFiles, serializeIndex, toCanonicalYaml, type KubeObject } from '../../src/manifest/index.ts';

const deployment: KubeObject = { kind: 'Deployment', apiVersion: 'apps/v1', spec: { replicas: 2 }, metadata: { namespace: 'shop', name: 'api' } };
const namespace: KubeObject = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop' } };
const crd: KubeObject = { apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', metadata: { name: 'canaries.flagger.app' } };

describe('ManifestSet', () => {
  it('orders entries by kind rank, namespace and name', () => {
    const set = ManifestSet.fromObjects([deployment, namespace, crd]);
    expect(set.entries.map((entry) => entry.ref.kind)).toEqual(['CustomResourceDefinition', 'Namespace', 'Deployment']);
  });

  it('writes canonical key order: apiVersion, kind, metadata first', () => {
    expect(toCanonicalYaml(deployment)).toBe('apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: api\n  namespace: shop\nspec:\n  replicas: 2\n');
  });

  it('places objects at stable paths', () => {
    const set = ManifestSet.fromObjects([deployment, namespace]);
    expect(set.entries.map((entry) => entry.file)).toEqual(['_cluster/namespace-shop.yaml', 'shop/deployment-api.yaml']);
  });

  it('rejects two objects with one identity, naming both sources', () => {
    const build = () => ManifestSet.of([{ object: deployment, source: 'prod/api' }, { object: { ...deployment }, source: 'prod/api-copy' }]);
    expect(build).toThrow(AggregateError);
    try {
      build();
    } catch (error) {
      const [first] = (error as AggregateError).errors as DuplicateObjectError[];
      expect(first?.message).toBe('Deployment/shop/api is defined twice: at prod/api and at prod/api-copy');
    }
  });

  it('round-trips through files and index.json, and detects an edited file', () => {
    const set = ManifestSet.fromObjects([deployment, namespace]);
    const files = [...set.entries.map((entry) => ({ path: entry.file, text: entry.text })), { path: 'index.json', text: serializeIndex(set.index('prod')) }];
    const parsed = parseManifestFiles(files);
    expect(parsed.entries.map((entry) => entry.sha256)).toEqual(set.entries.map((entry) => entry.sha256));
    const edited = files.map((file) => (file.path === 'shop/deployment-api.yaml' ? { ...file, text: file.text.replace('2', '3') } : file));
    expect(() => parseManifestFiles(edited)).toThrow(/shop\/deployment-api.yaml: content does not match its sha256/);
  });

  it('refuses YAML alias bombs', () => {
    const bomb = ['a: &a ["x","x","x","x","x","x","x","x","x"]', ...Array.from({ length: 8 }, (_, i) => `${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)}]`)].join('\n');
    expect(() => parseManifestFiles([{ path: 'bomb.yaml', text: `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\ndata:\n  ${bomb.replace(/\n/g, '\n  ')}\n` }])).toThrow(/bomb.yaml/);
  });
});
