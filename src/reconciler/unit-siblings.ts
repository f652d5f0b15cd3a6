/**
 * The other units of a cluster compiled into units, read from the same checkout as the
 * Sync's own folder (`deploy/<cluster>/<unit>/index.json` beside `deploy/<cluster>/<own>/`),
 * so that an object moving between units is handed over instead of deleted and recreated:
 * the Sync it left does not prune what a sibling unit holds at the same revision, and the Sync
 * it joined takes it over from a sibling whose unit no longer holds it. Any other owner still
 * refuses the apply (an object belongs to one Sync).
 */
import { lstat, readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { unitSyncName } from '../api/index.ts';
import { refKey, splitApiVersion, type ManifestIndex, type ObjectRef } from '../manifest/index.ts';

export interface UnitSiblings {
  /** `namespace/name` of each sibling unit's Sync → the ids (refKey) of its objects at this revision. */
  readonly objects: ReadonlyMap<string, ReadonlySet<string>>;
}

/** Index files are a few KB; a larger one is not an index the compiler wrote. */
const MAX_INDEX_BYTES = 4 * 1024 * 1024;

/** The siblings of the unit at `subPath` (already checked to be inside `checkout`); undefined when it is not a unit. */
export async function readUnitSiblings(checkout: string, subPath: string, namespace: string): Promise<UnitSiblings | undefined> {
  const folder = path.posix.normalize(subPath.replace(/\\/g, '/') || '.').replace(/\/+$/, '');
  if (folder === '.' || folder === '') return undefined;
  const own = await readIndex(path.join(checkout, folder, 'index.json'));
  if (own?.unit === undefined) return undefined;
  const parent = path.posix.dirname(folder);
  const objects = new Map<string, Set<string>>();
  let names: string[];
  try {
    names = await readdir(path.join(checkout, parent));
  } catch {
    return { objects };
  }
  for (const name of names.sort()) {
    if (name === path.posix.basename(folder)) continue;
    const dir = path.join(checkout, parent, name);
    // Only real folders of the checkout: a symlink could point anywhere.
    if (!(await lstat(dir).then((info) => info.isDirectory(), () => false))) continue;
    const index = await readIndex(path.join(dir, 'index.json'));
    if (index?.unit === undefined || index.cluster !== own.cluster) continue;
    objects.set(`${namespace}/${unitSyncName(own.cluster, index.unit)}`, new Set(index.objects.map((entry) => refKey(refOfEntry(entry)))));
  }
  return { objects };
}

/** Whether `owner` is a sibling unit's Sync whose unit no longer holds `ref`: it may be taken over. */
export function handedOver(siblings: UnitSiblings, owner: string, ref: ObjectRef): boolean {
  const held = siblings.objects.get(owner);
  return held !== undefined && !held.has(refKey(ref));
}

/** The sibling unit's Sync that holds `ref` at this revision (it takes the object over), or undefined. */
export function heldBySibling(siblings: UnitSiblings, ref: ObjectRef): string | undefined {
  const key = refKey(ref);
  for (const [owner, held] of siblings.objects) if (held.has(key)) return owner;
  return undefined;
}

function refOfEntry(entry: ManifestIndex['objects'][number]): ObjectRef {
  const { group, version } = splitApiVersion(entry.apiVersion);
  return { group, version, kind: entry.kind, namespace: entry.namespace ?? '', name: entry.name };
}

async function readIndex(file: string): Promise<ManifestIndex | undefined> {
  try {
    const info = await lstat(file);
    if (!info.isFile() || info.size > MAX_INDEX_BYTES) return undefined;
    const parsed = JSON.parse(await readFile(file, 'utf8')) as Partial<ManifestIndex>;
    return parsed.kind === 'ManifestIndex' && typeof parsed.cluster === 'string' && Array.isArray(parsed.objects) ? (parsed as ManifestIndex) : undefined;
  } catch {
    return undefined;
  }
}
