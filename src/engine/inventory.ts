/**
 * The inventory: which objects a Sync applied, as Flux keeps it in status — one
 * entry per object with an id `namespace_name_group_kind` and the version it was
 * applied with. The next revision's inventory minus this one's entries are the
 * objects to prune.
 */
import type { InventoryEntry } from '../api/index.ts';
import { compareApplyOrder, compareStrings, refKey, type ManifestSet, type ObjectRef } from '../manifest/index.ts';

/** Raised for an inventory id that is not `namespace_name_group_kind`. */
export class InventoryEntryError extends Error {
  override readonly name = 'InventoryEntryError';
  constructor(readonly entry: InventoryEntry) {
    super(`inventory entry ${JSON.stringify(entry.id)}: not of the form namespace_name_group_kind`);
  }
}

export function inventoryEntryOf(ref: ObjectRef): InventoryEntry {
  return { id: refKey(ref), v: ref.group === '' ? ref.version : `${ref.group}/${ref.version}` };
}

/**
 * The object an entry names. Namespaces, groups and kinds never contain `_`, so the
 * first part is the namespace, the last two the group and kind, and the rest the name.
 */
export function refOfInventoryEntry(entry: InventoryEntry): ObjectRef {
  const parts = entry.id.split('_');
  if (parts.length < 4) throw new InventoryEntryError(entry);
  const namespace = parts[0] ?? '';
  const kind = parts[parts.length - 1] ?? '';
  const group = parts[parts.length - 2] ?? '';
  const name = parts.slice(1, -2).join('_');
  if (name === '' || kind === '') throw new InventoryEntryError(entry);
  const slash = entry.v.indexOf('/');
  const version = slash < 0 ? entry.v : entry.v.slice(slash + 1);
  return { group, version, kind, namespace, name };
}

/** The inventory of a set (or of refs), sorted by id so that status does not churn. */
export function inventoryOf(objects: ManifestSet | Iterable<ObjectRef>): InventoryEntry[] {
  const refs = isManifestSet(objects) ? objects.entries.map((entry) => entry.ref) : Array.from(objects);
  const byId = new Map(refs.map((ref) => [refKey(ref), inventoryEntryOf(ref)]));
  return [...byId.values()].sort((a, b) => compareStrings(a.id, b.id));
}

/**
 * The objects of `previous` that `next` does not hold, in delete order (reverse apply
 * order: workloads before the ConfigMaps they mount, namespaces and CRDs last).
 */
export function staleOf(previous: readonly InventoryEntry[], next: readonly InventoryEntry[] | ManifestSet): ObjectRef[] {
  const kept = new Set(isManifestSet(next) ? next.entries.map((entry) => refKey(entry.ref)) : next.map((entry) => entry.id));
  return previous
    .filter((entry) => !kept.has(entry.id))
    .map(refOfInventoryEntry)
    .sort((a, b) => compareApplyOrder(b, a));
}

/** `entries` with `refs` added (e.g. objects whose delete failed, which stay in the inventory). */
export function withInventoryEntries(entries: readonly InventoryEntry[], refs: Iterable<ObjectRef>): InventoryEntry[] {
  const byId = new Map(entries.map((entry) => [entry.id, entry]));
  for (const ref of refs) if (!byId.has(refKey(ref))) byId.set(refKey(ref), inventoryEntryOf(ref));
  return [...byId.values()].sort((a, b) => compareStrings(a.id, b.id));
}

function isManifestSet(value: unknown): value is ManifestSet {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && 'entries' in value && 'index' in value;
}
