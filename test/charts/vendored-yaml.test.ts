// Manifests (vendored YAML) and Kustomization (an existing kustomize folder, built by the
// pinned kustomize), both pinned by digest, as ordinary children of the construct tree.
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ChartDigestError, Kustomization, Manifests, fileDigest, treeDigest, withChartsRoot } from '../../src/charts/index.ts';
import { Testing, type ConstructValidationError } from '../../src/constructs/index.ts';

function thrown(fn: () => unknown): Error {
  try {
    fn();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected an error');
}

const root = mkdtempSync(join(tmpdir(), 'strata-vendored-'));
cpSync(join(import.meta.dirname, 'fixtures'), join(root, 'vendor'), { recursive: true });
afterAll(() => rmSync(root, { recursive: true, force: true }));

const names = (objects: readonly { kind: string; metadata: { name?: string; namespace?: string } }[]) => objects.map((o) => `${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`);

describe('Manifests', () => {
  it('adds every object of the vendored file, namespacing only namespaced kinds', () => {
    const file = 'vendor/bundle/operator.yaml';
    const objects = withChartsRoot(root, () => Testing.objects((scope) => new Manifests(scope, 'operator', { path: file, digest: fileDigest(join(root, file)), namespace: 'operator-system' })));
    expect(names(objects)).toEqual(['Namespace//operator-system', 'ServiceAccount/operator-system/operator', 'ClusterRole//operator']);
  });

  it('refuses bytes that differ from the pinned digest, naming the construct and the file', () => {
    const file = 'vendor/bundle/operator.yaml';
    const digest = fileDigest(join(root, file));
    writeFileSync(join(root, 'vendor/bundle/edited.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: x }\n');
    const error = thrown(() => withChartsRoot(root, () => Testing.objects((scope) => new Manifests(scope, 'operator', { path: 'vendor/bundle', digest }))));
    expect((error as ConstructValidationError).problems[0]?.cause).toBeInstanceOf(ChartDigestError);
    expect(error.message).toMatch(/chart test\/test\/operator: vendor\/bundle has digest sha256:[0-9a-f]{64}, the lock pins sha256:[0-9a-f]{64} \(vendored YAML/);
    const folder = treeDigest(join(root, 'vendor/bundle'));
    const objects = withChartsRoot(root, () => Testing.objects((scope) => new Manifests(scope, 'operator', { path: 'vendor/bundle', digest: folder })));
    expect(names(objects)).toContain('ConfigMap//x');
  });
});

describe('Kustomization', () => {
  it('builds the folder with the pinned kustomize (prefix, namespace, generated ConfigMap with its hash)', () => {
    const dir = 'vendor/kustomize/base';
    const objects = withChartsRoot(root, () => Testing.objects((scope) => new Kustomization(scope, 'legacy', { path: dir, digest: treeDigest(join(root, dir)) })));
    expect(names(objects)).toEqual([expect.stringMatching(/^ConfigMap\/legacy\/old-settings-[a-z0-9]{10}$/), 'Service/legacy/old-web']);
  }, 600_000);
});
