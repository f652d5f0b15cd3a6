import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../src/manifest/index.ts';
import { ignoredFieldsOf } from '../../src/api/annotations.ts';
import { ignoredFieldPaths, isIgnoredPath, withIgnoredFields } from '../../src/engine/_ignore-fields.ts';

const ANNOTATION = 'strata.dev/ignore-fields';

const deployment = (replicas: number, image: string, ignore: string, managedFields?: unknown[]): KubeObject => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web', namespace: 'shop', annotations: { [ANNOTATION]: ignore }, ...(managedFields ? { managedFields } : {}) },
  spec: { replicas, template: { spec: { containers: [{ name: 'app', image }, { name: 'sidecar', image: 'proxy:1' }] } } },
});

const strataOwns = (fieldsV1: unknown) => ({ manager: 'strata', operation: 'Apply', fieldsV1 });
const scaledBy = { manager: 'kube-controller-manager', operation: 'Update', subresource: 'scale', fieldsV1: { 'f:spec': { 'f:replicas': {} } } };

const spec = (object: KubeObject) => object.spec as { replicas?: number; template: { spec: { containers: { name: string; image: string }[] } } };

describe('strata.dev/ignore-fields: parsing', () => {
  it('reads comma-separated JSON pointers, unescaping ~1 and ~0', () => {
    const object = deployment(1, 'a', ' /spec/replicas, /metadata/annotations/example.com~1owner ,/data/a~0b');
    expect(ignoredFieldsOf(object)).toEqual({ pointers: [['spec', 'replicas'], ['metadata', 'annotations', 'example.com/owner'], ['data', 'a~b']], problems: [] });
  });

  it('names each entry that is not a usable pointer', () => {
    expect(ignoredFieldsOf(deployment(1, 'a', 'spec/replicas,/metadata/name,/a~2')).problems).toEqual([
      '"spec/replicas" is not a JSON pointer: it must start with / (e.g. /spec/replicas)',
      '"/metadata/name" names the object itself and cannot be ignored',
      '"/a~2" is not a JSON pointer: ~ must be escaped as ~0, and / inside a key as ~1',
    ]);
  });
});

describe('strata.dev/ignore-fields: the intent applied', () => {
  it('is Git as it is when the object does not exist yet (created with Git’s values)', () => {
    const git = deployment(3, 'app:2', '/spec/replicas');
    expect(withIgnoredFields(git, null, 'strata')).toBe(git);
  });

  it('keeps the live value while Strata still owns the field (dropping it would reset it)', () => {
    const live = deployment(5, 'app:1', '/spec/replicas', [strataOwns({ 'f:spec': { 'f:replicas': {} } })]);
    expect(spec(withIgnoredFields(deployment(3, 'app:2', '/spec/replicas'), live, 'strata'))).toMatchObject({ replicas: 5, template: { spec: { containers: [{ image: 'app:2' }, {}] } } });
  });

  it('leaves the field out once another manager (the HPA through /scale) took it', () => {
    const live = deployment(7, 'app:1', '/spec/replicas', [strataOwns({ 'f:spec': { 'f:template': {} } }), scaledBy]);
    const intent = withIgnoredFields(deployment(3, 'app:2', '/spec/replicas'), live, 'strata');
    expect(spec(intent).replicas).toBeUndefined();
    expect(spec(intent).template.spec.containers[0]?.image).toBe('app:2');
  });

  it('follows a list element by index (containers keyed by name) and keeps the other elements from Git', () => {
    const owned = { 'f:spec': { 'f:template': { 'f:spec': { 'f:containers': { 'k:{"name":"app"}': { 'f:image': {} } } } } } };
    const live = deployment(1, 'app:hotfix', '/spec/template/spec/containers/0/image', [strataOwns(owned)]);
    const git = deployment(1, 'app:2', '/spec/template/spec/containers/0/image');
    (spec(git).template.spec.containers[1] as { image: string }).image = 'proxy:2';
    expect(spec(withIgnoredFields(git, live, 'strata')).template.spec.containers).toEqual([
      { name: 'app', image: 'app:hotfix' },
      { name: 'sidecar', image: 'proxy:2' },
    ]);
  });

  it('also honours the annotation on the live object (kubectl annotate, no commit)', () => {
    const git = deployment(3, 'app:2', '');
    const live = deployment(6, 'app:1', '/spec/replicas', [scaledBy]);
    expect(spec(withIgnoredFields(git, live, 'strata')).replicas).toBeUndefined();
  });

  it('refuses a bad pointer in Git, naming the annotation', () => {
    expect(() => withIgnoredFields(deployment(1, 'a', 'spec.replicas'), deployment(1, 'a', ''), 'strata')).toThrow(
      'metadata.annotations["strata.dev/ignore-fields"]: "spec.replicas" is not a JSON pointer: it must start with / (e.g. /spec/replicas)',
    );
  });
});

describe('strata.dev/ignore-fields: what the drift watch does not count', () => {
  it('maps pointers to fieldsV1 paths, list elements by name', () => {
    const paths = ignoredFieldPaths(deployment(1, 'a', '/spec/replicas,/spec/template/spec/containers/1/image'));
    expect(paths).toEqual(['f:spec.f:replicas', 'f:spec.f:template.f:spec.f:containers.k:{"name":"sidecar"}.f:image']);
    expect(isIgnoredPath('f:spec.f:replicas', paths)).toBe(true);
    expect(isIgnoredPath('f:spec.f:template.f:spec.f:containers.k:{"name":"app"}.f:image', paths)).toBe(false);
    expect(isIgnoredPath('f:spec.f:replicasX', paths)).toBe(false);
  });
});
