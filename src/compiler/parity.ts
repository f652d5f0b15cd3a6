import { describeRef, refKey, type ManifestEntry } from '../manifest/index.ts';
import type { CompiledCluster } from './compile.ts';

/** One field that differs between the two environments, after the expected overlay differences are factored out. */
export interface FieldDifference {
  /** Dotted path, e.g. `spec.replicas`. */
  readonly path: string;
  /** The value in the first environment; absent when the field is missing there. */
  readonly a?: unknown;
  readonly b?: unknown;
}

export interface ObjectSummary {
  /** The construct path without the cluster's root segment, e.g. `apps/checkout-api/Deployment`. */
  readonly id: string;
  readonly object: string;
  /** The file under `deploy/<cluster>/` (`<unit>/…` when the cluster has units). */
  readonly file: string;
}

export interface ObjectParity {
  readonly id: string;
  readonly a: string;
  readonly b: string;
  readonly differences: readonly FieldDifference[];
}

export interface ParityResult {
  readonly a: string;
  readonly b: string;
  /** Namespace of A → namespace of B, as found on matched objects (expected, factored out). */
  readonly namespaces: Readonly<Record<string, string>>;
  /** Matched objects whose names differ (a prefix, suffix or content hash; expected, factored out). */
  readonly renamed: number;
  readonly identical: number;
  readonly changed: readonly ObjectParity[];
  readonly onlyInA: readonly ObjectSummary[];
  readonly onlyInB: readonly ObjectSummary[];
  /** True when nothing differs beyond the expected overlay differences. */
  readonly same: boolean;
}

/** The construct path without its cluster segment: the same component in every environment. */
function idOf(entry: ManifestEntry, cluster: string): string {
  const source = entry.source ?? '';
  if (source.startsWith(`${cluster}/`)) return source.slice(cluster.length + 1);
  return source === '' ? `${entry.ref.kind}/${entry.ref.name}` : source;
}

/**
 * Compares two environments object by object. Objects are matched by construct path
 * (without the cluster segment), so renamed objects still pair up; namespaces and
 * names are then replaced by neutral tokens on each side wherever a string equals
 * one of them exactly, so the expected overlay differences (namespace, name
 * prefix/suffix, hashed ConfigMap names and the references to them) drop out.
 */
export function compareEnvironments(a: CompiledCluster, b: CompiledCluster): ParityResult {
  const unitA = unitsOf(a);
  const unitB = unitsOf(b);
  const byIdA = new Map(a.set.entries.map((entry) => [idOf(entry, a.name), entry]));
  const byIdB = new Map(b.set.entries.map((entry) => [idOf(entry, b.name), entry]));
  const pairs: [string, ManifestEntry, ManifestEntry][] = [];
  for (const [id, entryA] of byIdA) {
    const entryB = byIdB.get(id);
    if (entryB) pairs.push([id, entryA, entryB]);
  }
  const tokensA = new Map<string, string>();
  const tokensB = new Map<string, string>();
  const namespaces: Record<string, string> = {};
  // The cluster's own name (e.g. an environment label) is an expected difference too.
  tokensA.set(a.name, '<cluster>');
  tokensB.set(b.name, '<cluster>');
  let renamed = 0;
  pairs.forEach(([, entryA, entryB], index) => {
    if (entryA.ref.name !== entryB.ref.name) {
      renamed += 1;
      tokensA.set(entryA.ref.name, `<name:${index}>`);
      tokensB.set(entryB.ref.name, `<name:${index}>`);
    }
    if (entryA.ref.namespace !== '' && entryB.ref.namespace !== '' && entryA.ref.namespace !== entryB.ref.namespace) {
      namespaces[entryA.ref.namespace] = entryB.ref.namespace;
    }
  });
  Object.entries(namespaces).forEach(([nsA, nsB], index) => {
    tokensA.set(nsA, `<namespace:${index}>`);
    tokensB.set(nsB, `<namespace:${index}>`);
  });
  const changed: ObjectParity[] = [];
  let identical = 0;
  for (const [id, entryA, entryB] of pairs) {
    const differences: FieldDifference[] = [];
    // The same object applied in another unit (or one environment without units) is applied at another time.
    const [inA, inB] = [unitA.get(refKey(entryA.ref)), unitB.get(refKey(entryB.ref))];
    if (inA !== inB) differences.push({ path: '(unit)', ...(inA === undefined ? {} : { a: inA }), ...(inB === undefined ? {} : { b: inB }) });
    diffValues(entryA.object, entryB.object, { tokens: tokensA, cluster: a.name }, { tokens: tokensB, cluster: b.name }, '', differences);
    if (differences.length === 0) identical += 1;
    else changed.push({ id, a: describeRef(entryA.ref), b: describeRef(entryB.ref), differences });
  }
  const summary = (entry: ManifestEntry, cluster: string, units: ReadonlyMap<string, string>): ObjectSummary => {
    const unit = units.get(refKey(entry.ref));
    return { id: idOf(entry, cluster), object: describeRef(entry.ref), file: unit === undefined ? entry.file : `${unit}/${entry.file}` };
  };
  const onlyInA = a.set.entries.filter((entry) => !byIdB.has(idOf(entry, a.name))).map((entry) => summary(entry, a.name, unitA));
  const onlyInB = b.set.entries.filter((entry) => !byIdA.has(idOf(entry, b.name))).map((entry) => summary(entry, b.name, unitB));
  return { a: a.name, b: b.name, namespaces, renamed, identical, changed, onlyInA, onlyInB, same: changed.length === 0 && onlyInA.length === 0 && onlyInB.length === 0 };
}

/** refKey → unit, for a cluster compiled into units. */
function unitsOf(cluster: CompiledCluster): Map<string, string> {
  return new Map((cluster.units ?? []).flatMap((unit) => unit.set.entries.map((entry): [string, string] => [refKey(entry.ref), unit.name])));
}

/** One environment's expected differences: strings replaced by neutral tokens, and its cluster's name. */
interface Side {
  readonly tokens: ReadonlyMap<string, string>;
  /** Kept apart from `tokens`: a renamed object may carry the cluster's name (the root Sync does). */
  readonly cluster: string;
}

function normalize(value: unknown, side: Side): unknown {
  if (typeof value !== 'string') return value;
  const whole = side.tokens.get(value);
  if (whole !== undefined) return whole;
  // A unit's folder, `deploy/<cluster>/<unit>`: the cluster segment is the expected difference.
  return value.includes('/') ? value.split('/').map((segment) => (segment === side.cluster ? '<cluster>' : segment)).join('/') : value;
}

function childPath(parent: string, key: string | number): string {
  if (typeof key === 'number') return `${parent}[${key}]`;
  if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(key)) return parent === '' ? key : `${parent}.${key}`;
  return `${parent}[${JSON.stringify(key)}]`;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function diffValues(a: unknown, b: unknown, sideA: Side, sideB: Side, path: string, out: FieldDifference[]): void {
  if (isRecord(a) && isRecord(b)) {
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
    for (const key of keys) {
      const keyA = key;
      if (!(key in a)) out.push({ path: childPath(path, key), b: b[key] });
      else if (!(key in b)) out.push({ path: childPath(path, key), a: a[keyA] });
      else diffValues(a[key], b[key], sideA, sideB, childPath(path, key), out);
    }
    return;
  }
  if (Array.isArray(a) && Array.isArray(b)) {
    const length = Math.max(a.length, b.length);
    for (let index = 0; index < length; index += 1) {
      if (index >= a.length) out.push({ path: childPath(path, index), b: b[index] });
      else if (index >= b.length) out.push({ path: childPath(path, index), a: a[index] });
      else diffValues(a[index], b[index], sideA, sideB, childPath(path, index), out);
    }
    return;
  }
  if (normalize(a, sideA) !== normalize(b, sideB) && JSON.stringify(a) !== JSON.stringify(b)) out.push({ path: path === '' ? '(object)' : path, a, b });
}
