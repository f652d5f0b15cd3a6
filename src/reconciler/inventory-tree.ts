/** Renders a Sync's inventory as a tree: namespaces (cluster-scoped first), then `Kind/name`, sorted. */
import { compareStrings, type ObjectRef } from '../manifest/index.ts';
import type { InventoryEntry, Sync } from '../api/index.ts';
import { refOfInventoryEntry } from '../engine/index.ts';

export function inventoryTree(sync: Sync): string {
  const entries = sync.status?.inventory?.entries ?? [];
  const title = `Sync/${sync.metadata.namespace}/${sync.metadata.name}${sync.status?.lastAppliedRevision ? ` (${sync.status.lastAppliedRevision})` : ''}`;
  const byNamespace = new Map<string, string[]>();
  for (const entry of entries) {
    const ref = refOf(entry);
    const label = ref ? `${ref.kind}${ref.group ? `.${ref.group}` : ''}/${ref.name}` : entry.id;
    const key = ref?.namespace ?? '';
    byNamespace.set(key, [...(byNamespace.get(key) ?? []), label]);
  }
  const lines = [title];
  const namespaces = [...byNamespace.keys()].sort(compareStrings);
  namespaces.forEach((namespace, index) => {
    const lastNs = index === namespaces.length - 1;
    lines.push(`${lastNs ? '└── ' : '├── '}${namespace === '' ? '(cluster)' : `Namespace/${namespace}`}`);
    const items = (byNamespace.get(namespace) ?? []).sort(compareStrings);
    items.forEach((item, itemIndex) => lines.push(`${lastNs ? '    ' : '│   '}${itemIndex === items.length - 1 ? '└── ' : '├── '}${item}`));
  });
  if (entries.length === 0) lines.push('└── (no objects)');
  return `${lines.join('\n')}\n`;
}

/** The object an entry names; undefined for an id that is not `namespace_name_group_kind`. */
function refOf(entry: InventoryEntry): ObjectRef | undefined {
  try {
    return refOfInventoryEntry(entry);
  } catch {
    return undefined;
  }
}
