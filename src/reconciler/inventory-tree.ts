/**
 * Renders a Sync's inventory as a tree: namespaces (cluster-scoped first), then `Kind/name`,
 * sorted. A Sync of the inventory that is given in `nested` (the units' Syncs a root Sync
 * applies) is drawn with its own inventory under it, so one tree shows a whole cluster.
 */
import { compareStrings, type ObjectRef } from '../manifest/index.ts';
import { SYNC_GROUP, SYNC_KIND, type InventoryEntry, type Sync } from '../api/index.ts';
import { refOfInventoryEntry } from '../engine/index.ts';

/** `namespace/name` of a Sync, the key of `nested`. */
export function syncKey(namespace: string, name: string): string {
  return `${namespace}/${name}`;
}

/** The Syncs a Sync's inventory holds, as `{ namespace, name }`: what `nested` may hold. */
export function inventorySyncs(sync: Sync): { namespace: string; name: string }[] {
  return (sync.status?.inventory?.entries ?? []).flatMap((entry) => {
    const ref = refOf(entry);
    return ref && ref.group === SYNC_GROUP && ref.kind === SYNC_KIND ? [{ namespace: ref.namespace, name: ref.name }] : [];
  });
}

export function inventoryTree(sync: Sync, nested: ReadonlyMap<string, Sync> = new Map()): string {
  return `${treeLines(sync, nested, new Set()).join('\n')}\n`;
}

function treeLines(sync: Sync, nested: ReadonlyMap<string, Sync>, drawn: Set<string>): string[] {
  drawn.add(syncKey(sync.metadata.namespace ?? '', sync.metadata.name));
  const entries = sync.status?.inventory?.entries ?? [];
  const title = `Sync/${sync.metadata.namespace}/${sync.metadata.name}${sync.status?.lastAppliedRevision ? ` (${sync.status.lastAppliedRevision})` : ''}`;
  const byNamespace = new Map<string, { label: string; child?: Sync }[]>();
  for (const entry of entries) {
    const ref = refOf(entry);
    const label = ref ? `${ref.kind}${ref.group ? `.${ref.group}` : ''}/${ref.name}` : entry.id;
    const key = ref?.namespace ?? '';
    const child = ref && ref.group === SYNC_GROUP && ref.kind === SYNC_KIND ? nested.get(syncKey(ref.namespace, ref.name)) : undefined;
    const item = child !== undefined && !drawn.has(syncKey(ref?.namespace ?? '', ref?.name ?? '')) ? { label, child } : { label };
    byNamespace.set(key, [...(byNamespace.get(key) ?? []), item]);
  }
  const lines = [title];
  const namespaces = [...byNamespace.keys()].sort(compareStrings);
  namespaces.forEach((namespace, index) => {
    const lastNs = index === namespaces.length - 1;
    lines.push(`${lastNs ? '└── ' : '├── '}${namespace === '' ? '(cluster)' : `Namespace/${namespace}`}`);
    const items = (byNamespace.get(namespace) ?? []).sort((a, b) => compareStrings(a.label, b.label));
    const indent = lastNs ? '    ' : '│   ';
    items.forEach((item, itemIndex) => {
      const lastItem = itemIndex === items.length - 1;
      if (item.child === undefined) {
        lines.push(`${indent}${lastItem ? '└── ' : '├── '}${item.label}`);
        return;
      }
      // The nested Sync's own tree replaces the item: its title line, then its objects beneath.
      const [childTitle = '', ...rest] = treeLines(item.child, nested, drawn);
      lines.push(`${indent}${lastItem ? '└── ' : '├── '}${childTitle}`);
      for (const line of rest) lines.push(`${indent}${lastItem ? '    ' : '│   '}${line}`);
    });
  });
  if (entries.length === 0) lines.push('└── (no objects)');
  return lines;
}

/** The object an entry names; undefined for an id that is not `namespace_name_group_kind`. */
function refOf(entry: InventoryEntry): ObjectRef | undefined {
  try {
    return refOfInventoryEntry(entry);
  } catch {
    return undefined;
  }
}
