import { describe, expect, it } from 'vitest';
import { ManifestSet, type ObjectRef } from '../../src/manifest/index.ts';
import { inventoryEntryOf, inventoryOf, refOfInventoryEntry, staleOf, withInventoryEntries, InventoryEntryError } from '../../src/engine/inventory.ts';

const ref = (kind: string, name: string, namespace = 'apps', group = '', version = 'v1'): ObjectRef => ({ group, version, kind, namespace, name });
const object = (r: ObjectRef) => ({ apiVersion: r.group === '' ? r.version : `${r.group}/${r.version}`, kind: r.kind, metadata: { name: r.name, ...(r.namespace ? { namespace: r.namespace } : {}) } });

describe('inventory', () => {
  it('ids entries like Flux (namespace_name_group_kind) with the version beside, sorted by id', () => {
    const set = ManifestSet.fromObjects([object(ref('Deployment', 'web', 'apps', 'apps')), object(ref('Namespace', 'apps', '')), object(ref('ConfigMap', 'cfg'))]);
    expect(inventoryOf(set)).toEqual([
      { id: '_apps__Namespace', v: 'v1' },
      { id: 'apps_cfg__ConfigMap', v: 'v1' },
      { id: 'apps_web_apps_Deployment', v: 'apps/v1' },
    ]);
  });

  it('round-trips refs, including names with underscores (RBAC names may have them)', () => {
    for (const r of [ref('ClusterRole', 'system:agg_view', '', 'rbac.authorization.k8s.io'), ref('Deployment', 'web', 'apps', 'apps'), ref('Widget', 'w', 'ns', 'example.com', 'v1beta1')]) {
      expect(refOfInventoryEntry(inventoryEntryOf(r))).toEqual(r);
    }
    expect(() => refOfInventoryEntry({ id: 'bad', v: 'v1' })).toThrow(InventoryEntryError);
  });

  it('lists stale objects in delete order (reverse apply order)', () => {
    const previous = inventoryOf([ref('Namespace', 'old', ''), ref('ConfigMap', 'cfg'), ref('Deployment', 'web', 'apps', 'apps'), ref('Service', 'web'), ref('ConfigMap', 'kept')]);
    const next = inventoryOf([ref('ConfigMap', 'kept')]);
    expect(staleOf(previous, next).map((r) => `${r.kind}/${r.name}`)).toEqual(['Deployment/web', 'Service/web', 'ConfigMap/cfg', 'Namespace/old']);
    expect(staleOf(previous, ManifestSet.fromObjects([object(ref('ConfigMap', 'kept'))]))).toHaveLength(4);
  });

  it('keeps objects whose delete failed', () => {
    const next = inventoryOf([ref('ConfigMap', 'a')]);
    expect(withInventoryEntries(next, [ref('ConfigMap', 'b'), ref('ConfigMap', 'a')]).map((entry) => entry.id)).toEqual(['apps_a__ConfigMap', 'apps_b__ConfigMap']);
  });
});
