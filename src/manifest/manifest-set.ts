import { toCanonicalYaml, sha256 } from './canonical.ts';
import { describeRef, refKey, refOf, type ObjectRef } from './identity.ts';
import { compareApplyOrder, compareStrings } from './kind-order.ts';
import type { KubeObject } from './object.ts';

/** One object of a manifest set: its identity, where it lives, its canonical text and digest. */
export interface ManifestEntry {
  readonly ref: ObjectRef;
  readonly object: KubeObject;
  /** Path relative to the set's directory, `/`-separated. */
  readonly file: string;
  /** Canonical YAML text as written to `file`. */
  readonly text: string;
  /** sha256 of `text` (hex). */
  readonly sha256: string;
  /** Where the object came from: a construct path, or a file for sets read from disk. */
  readonly source?: string;
}

/** Raised when two objects of one set share an identity or a file; names both sources. */
export class DuplicateObjectError extends Error {
  override readonly name = 'DuplicateObjectError';
  constructor(
    readonly ref: ObjectRef,
    readonly sources: readonly [string, string],
  ) {
    super(`${describeRef(ref)} is defined twice: at ${sources[0]} and at ${sources[1]}`);
  }
}

/**
 * The path of an object inside `deploy/<cluster>/`: its namespace (or `_cluster`
 * for cluster-scoped objects), then `<kind>-<name>.yaml` in lower case kind.
 */
export function fileOf(ref: ObjectRef): string {
  const folder = ref.namespace === '' ? '_cluster' : ref.namespace;
  const group = ref.group === '' || isWellKnownGroup(ref.group) ? '' : `.${ref.group}`;
  return `${folder}/${ref.kind.toLowerCase()}${group}-${ref.name}.yaml`;
}

// Kinds of these groups do not collide with each other, so their file names stay short.
function isWellKnownGroup(group: string): boolean {
  return group === 'apps' || group === 'batch' || group.endsWith('.k8s.io') || group === 'autoscaling' || group === 'policy';
}

export interface ManifestSetEntryInput {
  readonly object: KubeObject;
  readonly source?: string;
}

/**
 * An ordered, duplicate-free set of objects: the one model the compiler writes
 * and the agent reads. Entries are kept in apply order.
 */
export class ManifestSet {
  readonly entries: readonly ManifestEntry[];
  private readonly byKey: ReadonlyMap<string, ManifestEntry>;

  private constructor(entries: ManifestEntry[], byKey: ReadonlyMap<string, ManifestEntry>) {
    this.entries = entries.sort((a, b) => compareApplyOrder(a.ref, b.ref));
    this.byKey = byKey;
  }

  /** Builds a set; throws an AggregateError of DuplicateObjectError when identities or files collide. */
  static of(inputs: Iterable<ManifestSetEntryInput>): ManifestSet {
    const entries: ManifestEntry[] = [];
    const seen = new Map<string, ManifestEntry>();
    const files = new Map<string, ManifestEntry>();
    const errors: DuplicateObjectError[] = [];
    for (const { object, source } of inputs) {
      const ref = refOf(object);
      const text = toCanonicalYaml(object);
      const file = fileOf(ref);
      // Two literals rather than a conditional spread: a spread per object costs more than the rest of this line.
      const entry: ManifestEntry = source === undefined ? { ref, object, file, text, sha256: sha256(text) } : { ref, object, file, text, sha256: sha256(text), source };
      const key = refKey(ref);
      const previous = seen.get(key) ?? files.get(file);
      if (previous) {
        errors.push(new DuplicateObjectError(ref, [previous.source ?? previous.file, source ?? file]));
        continue;
      }
      seen.set(key, entry);
      files.set(entry.file, entry);
      entries.push(entry);
    }
    if (errors.length > 0) throw new AggregateError(errors, errors.map((error) => error.message).join('\n'));
    // `seen` holds exactly the entries kept, by key: the set's lookup map as it is.
    return new ManifestSet(entries, seen);
  }

  static fromObjects(objects: Iterable<KubeObject>): ManifestSet {
    return ManifestSet.of(Array.from(objects, (object) => ({ object })));
  }

  get size(): number {
    return this.entries.length;
  }

  get(ref: ObjectRef): ManifestEntry | undefined {
    return this.byKey.get(refKey(ref));
  }

  has(ref: ObjectRef): boolean {
    return this.byKey.has(refKey(ref));
  }

  /** The index written beside the files: every object's identity, file and digest, sorted by file. */
  index(cluster: string, unit?: string): ManifestIndex {
    const objects = this.entries
      .map(({ object, ref, file, sha256: digest }): IndexEntry =>
        ref.namespace === ''
          ? { apiVersion: object.apiVersion, kind: ref.kind, name: ref.name, file, sha256: digest }
          : { apiVersion: object.apiVersion, kind: ref.kind, namespace: ref.namespace, name: ref.name, file, sha256: digest },
      )
      .sort((a, b) => compareStrings(a.file, b.file));
    return { apiVersion: INDEX_API_VERSION, kind: 'ManifestIndex', cluster, ...(unit === undefined ? {} : { unit }), objects };
  }
}

export const INDEX_API_VERSION = 'strata.dev/v1alpha1';
export const INDEX_FILE = 'index.json';

export interface IndexEntry {
  readonly apiVersion: string;
  readonly kind: string;
  readonly namespace?: string;
  readonly name: string;
  readonly file: string;
  readonly sha256: string;
}

/** `deploy/<cluster>/index.json`: a pure function of the sources, so no timestamps or revisions. */
export interface ManifestIndex {
  readonly apiVersion: typeof INDEX_API_VERSION;
  readonly kind: 'ManifestIndex';
  readonly cluster: string;
  /** The unit, when the cluster is compiled into units (`deploy/<cluster>/<unit>/index.json`). */
  readonly unit?: string;
  readonly objects: readonly IndexEntry[];
}

export function serializeIndex(index: ManifestIndex): string {
  return `${JSON.stringify(index, null, 2)}\n`;
}
