// Hooks taken out of a revision and what they need applied before them (the run itself is
// tested against the cluster in test/reconciler/hooks.test.ts).
import { describe, expect, it } from 'vitest';
import { OrderingError, hookPrerequisites, hooksOf, splitHooks } from '../../src/engine/index.ts';
import { ManifestSet, type KubeObject } from '../../src/manifest/index.ts';

const object = (kind: string, name: string, namespace = 'shop', extra: Record<string, unknown> = {}): KubeObject => ({
  apiVersion: kind === 'Job' ? 'batch/v1' : kind === 'Deployment' ? 'apps/v1' : 'v1',
  kind,
  metadata: { name, ...(kind === 'Namespace' ? {} : { namespace }) },
  ...extra,
});
const hook = (name: string, phase: string, podSpec: Record<string, unknown> = {}): KubeObject => ({
  ...object('Job', name, 'shop', { spec: { template: { spec: { containers: [{ name: 'c', image: 'x' }], ...podSpec } } } }),
  metadata: { name, namespace: 'shop', annotations: { 'strata.dev/hook': phase } },
});

describe('splitHooks', () => {
  it('takes the hooks out of the revision, by phase', () => {
    const set = ManifestSet.fromObjects([object('ConfigMap', 'a'), hook('migrate', 'pre-apply'), hook('smoke', 'post-apply'), object('Deployment', 'web')]);
    const split = splitHooks(set);
    expect(split.set.entries.map((entry) => entry.ref.name)).toEqual(['a', 'web']);
    expect(hooksOf(split.hooks, 'pre-apply').map((h) => [h.subject, h.deletePolicies])).toEqual([['Job/shop/migrate', ['before-creation']]]);
    expect(hooksOf(split.hooks, 'post-apply').map((h) => h.subject)).toEqual(['Job/shop/smoke']);
    expect(hooksOf(split.hooks, 'on-failure')).toEqual([]);
    const plain = ManifestSet.fromObjects([object('ConfigMap', 'a')]);
    expect(splitHooks(plain).set).toBe(plain);
  });

  it('names each object with a bad hook annotation', () => {
    const bad = { ...hook('migrate', 'pre-install') };
    const error = (() => {
      try {
        splitHooks(ManifestSet.of([{ object: bad, source: 'shop/job-migrate.yaml' }]));
      } catch (caught) {
        return caught as OrderingError;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(OrderingError);
    expect(error?.message).toBe('Job/shop/migrate: shop/job-migrate.yaml: annotation strata.dev/hook: "pre-install" is not one of pre-apply, post-apply, on-failure');
  });
});

describe('hookPrerequisites', () => {
  it('is the Namespace, ServiceAccount, ConfigMaps and Secrets the hooks name, and nothing else', () => {
    const migrate = hook('migrate', 'pre-apply', {
      serviceAccountName: 'api',
      volumes: [{ name: 'v', configMap: { name: 'mounted' } }, { name: 'p', projected: { sources: [{ secret: { name: 'projected' } }] } }],
      containers: [{ name: 'c', image: 'x', envFrom: [{ configMapRef: { name: 'settings' } }], env: [{ name: 'P', valueFrom: { secretKeyRef: { name: 'db', key: 'password' } } }] }],
    });
    const set = ManifestSet.fromObjects([
      object('Namespace', 'shop'),
      object('Namespace', 'other'),
      object('ServiceAccount', 'api'),
      object('ServiceAccount', 'web'),
      object('ConfigMap', 'settings'),
      object('ConfigMap', 'mounted'),
      object('ConfigMap', 'settings', 'other'),
      object('Secret', 'db'),
      object('Secret', 'projected'),
      object('Deployment', 'web'),
    ]);
    const needed = hookPrerequisites(set, splitHooks(ManifestSet.fromObjects([migrate])).hooks);
    expect(needed.entries.map((entry) => `${entry.ref.kind}/${entry.ref.namespace}/${entry.ref.name}`)).toEqual([
      'Namespace//shop',
      'ServiceAccount/shop/api',
      'Secret/shop/db',
      'Secret/shop/projected',
      'ConfigMap/shop/mounted',
      'ConfigMap/shop/settings',
    ]);
  });
});
