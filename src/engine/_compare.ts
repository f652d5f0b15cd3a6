/**
 * @internal Comparing a server-side dry-run result with the live object, as Flux's
 * ssa package does: status and server-owned metadata (resourceVersion, generation,
 * uid, timestamps, managedFields) are ignored; labels, annotations, finalizers and
 * owner references count. Shared by apply, diff and drift.
 */
import type { KubeObject } from '../manifest/index.ts';

const KEPT_METADATA = ['name', 'namespace', 'labels', 'annotations', 'finalizers', 'ownerReferences'] as const;

/** The object without status and server-owned metadata; what apply compares. */
export function comparable(object: KubeObject): Record<string, unknown> {
  const { status: _status, metadata, ...rest } = object as KubeObject & { status?: unknown };
  const kept: Record<string, unknown> = {};
  for (const key of KEPT_METADATA) {
    const value = (metadata as Record<string, unknown>)[key];
    if (value !== undefined && !(typeof value === 'object' && value !== null && Object.keys(value).length === 0)) kept[key] = value;
  }
  return { ...rest, metadata: kept };
}

/** The `fieldsV1` set a manager owns through Apply operations, as canonical JSON; undefined when it owns none. */
export function appliedFields(object: KubeObject | undefined, fieldManager: string): string | undefined {
  const entries = object?.metadata.managedFields;
  if (!Array.isArray(entries)) return undefined;
  const mine = (entries as { manager?: string; operation?: string; subresource?: string; fieldsV1?: unknown }[]).find(
    (entry) => entry.manager === fieldManager && entry.operation === 'Apply' && (entry.subresource ?? '') === '',
  );
  return mine ? stableJson(mine.fieldsV1 ?? {}) : undefined;
}

/** The `time` of a manager's Apply entry in managedFields. */
export function appliedTime(object: KubeObject | undefined, fieldManager: string): string | undefined {
  const entries = object?.metadata.managedFields;
  if (!Array.isArray(entries)) return undefined;
  const mine = (entries as { manager?: string; operation?: string; subresource?: string; time?: string }[]).find(
    (entry) => entry.manager === fieldManager && entry.operation === 'Apply' && (entry.subresource ?? '') === '',
  );
  return mine?.time;
}

/** JSON with object keys sorted, so equal values give equal text. */
export function stableJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value === null || typeof value !== 'object') return value;
  const record = value as Record<string, unknown>;
  const sorted: Record<string, unknown> = {};
  for (const key of Object.keys(record).sort()) sorted[key] = sortKeys(record[key]);
  return sorted;
}

/** Deep equality of JSON values (key order ignored). */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) return Array.isArray(b) && a.length === b.length && a.every((item, index) => jsonEqual(item, b[index]));
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object' || Array.isArray(b)) return false;
  const ra = a as Record<string, unknown>;
  const rb = b as Record<string, unknown>;
  const keys = Object.keys(ra).filter((key) => ra[key] !== undefined);
  if (keys.length !== Object.keys(rb).filter((key) => rb[key] !== undefined).length) return false;
  return keys.every((key) => key in rb && jsonEqual(ra[key], rb[key]));
}

/** Dotted paths where `a` and `b` differ (at most `limit`, then `…`), e.g. `spec.replicas`, `data.key`. */
export function changedPaths(a: unknown, b: unknown, limit = 5): string[] {
  const paths: string[] = [];
  const walk = (x: unknown, y: unknown, path: string): void => {
    if (paths.length > limit || jsonEqual(x, y)) return;
    const bothObjects = x !== null && y !== null && typeof x === 'object' && typeof y === 'object' && !Array.isArray(x) && !Array.isArray(y);
    if (!bothObjects) {
      paths.push(path || '.');
      return;
    }
    const rx = x as Record<string, unknown>;
    const ry = y as Record<string, unknown>;
    for (const key of [...new Set([...Object.keys(rx), ...Object.keys(ry)])].sort()) walk(rx[key], ry[key], path === '' ? key : `${path}.${key}`);
  };
  walk(a, b, '');
  return paths.length > limit ? [...paths.slice(0, limit), '…'] : paths;
}

/** Every path of a manager's Apply `fieldsV1` tree (`f:data.f:key`, `f:spec.f:containers.k:{"name":"c"}`); undefined when it owns none. */
export function appliedPaths(object: KubeObject | undefined, fieldManager: string): Set<string> | undefined {
  const entries = object?.metadata.managedFields;
  if (!Array.isArray(entries)) return undefined;
  const mine = (entries as { manager?: string; operation?: string; subresource?: string; fieldsV1?: unknown }[]).find(
    (entry) => entry.manager === fieldManager && entry.operation === 'Apply' && (entry.subresource ?? '') === '',
  );
  return mine ? pathsOf(mine.fieldsV1) : undefined;
}

/** The paths of a `fieldsV1` tree. */
export function pathsOf(fieldsV1: unknown): Set<string> {
  const paths = new Set<string>();
  const walk = (node: unknown, prefix: string): void => {
    if (node === null || typeof node !== 'object') return;
    for (const [key, child] of Object.entries(node as Record<string, unknown>)) {
      if (key === '.') continue;
      const path = prefix === '' ? key : `${prefix}.${key}`;
      paths.add(path);
      walk(child, path);
    }
  };
  walk(fieldsV1, '');
  return paths;
}

/** A fieldsV1 path for humans: `f:spec.f:replicas` → `spec.replicas`. */
export function readablePath(path: string): string {
  return path.replace(/(^|\.)f:/g, '$1');
}

/**
 * What Strata left of one object when it last wrote it or found it in sync by dry-run: the
 * drift watch vouches for the object only once it has seen this state (drift.ts).
 */
export interface AppliedState {
  readonly resourceVersion: string;
  readonly uid: string;
  /** The `time` of the field manager's Apply entry; undefined when it owns nothing. */
  readonly time: string | undefined;
  /** The field manager's Apply `fieldsV1`, as canonical JSON; '' when it owns nothing. */
  readonly fields: string;
}

/** The {@link AppliedState} of a live object for one field manager. */
export function appliedStateOf(object: KubeObject, fieldManager: string): AppliedState {
  return {
    resourceVersion: String(object.metadata.resourceVersion ?? ''),
    uid: String(object.metadata.uid ?? ''),
    time: appliedTime(object, fieldManager),
    fields: appliedFields(object, fieldManager) ?? '',
  };
}
