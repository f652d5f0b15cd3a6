import { describe, expect, it } from 'vitest';
import { changedPaths, comparable, jsonEqual, pathsOf } from '../../src/engine/_compare.ts';
import { forceEnabled, pruneDisabled, ssaPolicyOf } from '../../src/api/annotations.ts';
import { maskSecrets } from '../../src/engine/diff.ts';
import { hasOwnerLabels, ownerLabels, ownerSelector, withOwnerLabels } from '../../src/api/owner.ts';

const cm = (metadata: Record<string, unknown>, data: Record<string, string> = { a: '1' }) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: 'n', ...metadata }, data });

describe('comparing dry-run and live', () => {
  it('ignores status and server-owned metadata, keeps labels and annotations', () => {
    const live = cm({ resourceVersion: '5', uid: 'u', generation: 1, managedFields: [{ manager: 'x' }], creationTimestamp: 't', labels: { a: 'b' } });
    const dryRun = cm({ resourceVersion: '5', uid: 'u', generation: 2, managedFields: [{ manager: 'y' }], labels: { a: 'b' } });
    expect(jsonEqual(comparable(live), comparable({ ...dryRun, status: { x: 1 } }))).toBe(true);
    expect(jsonEqual(comparable(live), comparable(cm({ labels: { a: 'c' } })))).toBe(false);
    expect(changedPaths(comparable(live), comparable(cm({ labels: { a: 'b' } }, { a: '2', b: '3' })))).toEqual(['data.a', 'data.b']);
  });
  it('reads fieldsV1 paths', () => {
    expect([...pathsOf({ 'f:data': { '.': {}, 'f:a': {} }, 'f:metadata': { 'f:labels': { 'f:x': {} } } })]).toEqual(['f:data', 'f:data.f:a', 'f:metadata', 'f:metadata.f:labels', 'f:metadata.f:labels.f:x']);
  });
});

describe('annotations', () => {
  it('maps reconcile/ssa/force/prune annotations like Flux, case-insensitively', () => {
    expect(ssaPolicyOf(cm({}))).toBe('Override');
    expect(ssaPolicyOf(cm({ annotations: { 'strata.dev/reconcile': 'Disabled' } }))).toBe('Ignore');
    expect(ssaPolicyOf(cm({ annotations: { 'strata.dev/ssa': 'ignore' } }))).toBe('Ignore');
    expect(ssaPolicyOf(cm({ annotations: { 'strata.dev/ssa': 'IfNotPresent' } }))).toBe('IfNotPresent');
    expect(forceEnabled(cm({ annotations: { 'strata.dev/force': 'enabled' } }))).toBe(true);
    expect(pruneDisabled(cm({ annotations: { 'strata.dev/prune': 'disabled' } }))).toBe(true);
    expect(pruneDisabled(cm({}))).toBe(false);
  });
});

describe('owner labels', () => {
  it('labels, matches and selects', () => {
    const labels = ownerLabels('apps', 'flux-system');
    const labelled = withOwnerLabels(cm({ labels: { app: 'x' } }), labels);
    expect(labelled.metadata.labels).toEqual({ app: 'x', 'strata.dev/name': 'apps', 'strata.dev/namespace': 'flux-system' });
    expect(hasOwnerLabels(labelled, labels)).toBe(true);
    expect(hasOwnerLabels(cm({ labels: { 'strata.dev/name': 'apps' } }), labels)).toBe(false);
    expect(ownerSelector(labels)).toBe('strata.dev/name=apps,strata.dev/namespace=flux-system');
    expect(ownerSelector({})).toBeUndefined();
  });
});

describe('secret masking', () => {
  it('never shows values; marks which keys changed', () => {
    const secret = (data: Record<string, string>) => ({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 's' }, data });
    const [before, after] = maskSecrets(secret({ same: 'YQ==', changed: 'Yg==' }), secret({ same: 'YQ==', changed: 'Yw==', added: 'ZA==' }));
    expect(before?.data).toEqual({ same: '***', changed: '*** (before)' });
    expect(after?.data).toEqual({ same: '***', changed: '*** (after)', added: '*** (after)' });
    expect(JSON.stringify([before, after])).not.toMatch(/YQ==|Yg==|Yw==|ZA==/);
  });
});
