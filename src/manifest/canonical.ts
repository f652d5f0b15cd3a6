import { hash } from 'node:crypto';
import { compareStrings } from './kind-order.ts';
import { emitYaml } from './yaml-emitter.ts';

const TOP_LEVEL_FIRST = ['apiVersion', 'kind', 'metadata'];
const METADATA_FIRST = ['name', 'namespace'];

/**
 * Returns a copy with keys in canonical order: `apiVersion`, `kind`, `metadata`
 * first at the top, `name` and `namespace` first in metadata, byte order
 * everywhere else. `undefined` values are dropped, as JSON drops them.
 */
export function canonicalize<T>(value: T): T {
  return sortValue(value, TOP_LEVEL_FIRST) as T;
}

function sortValue(value: unknown, first: readonly string[] | undefined): unknown {
  if (Array.isArray(value)) return value.map((item) => sortValue(item, undefined));
  if (value === null || typeof value !== 'object') return value;
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record)
    .filter((key) => record[key] !== undefined)
    .sort((a, b) => orderedIndex(a, first) - orderedIndex(b, first) || compareStrings(a, b));
  const sorted: Record<string, unknown> = {};
  for (const key of keys) sorted[key] = sortValue(record[key], first === TOP_LEVEL_FIRST && key === 'metadata' ? METADATA_FIRST : undefined);
  return sorted;
}

function orderedIndex(key: string, first: readonly string[] | undefined): number {
  const index = first?.indexOf(key) ?? -1;
  return index < 0 ? Number.MAX_SAFE_INTEGER : index;
}

const CHILD_ORDER = { metadata: METADATA_FIRST };

/**
 * The canonical YAML text of one object: canonical key order (as {@link canonicalize}),
 * block style, no line folding, strings quoted whenever YAML 1.1 or 1.2 could read them
 * as anything else. Written by Strata's own emitter (see yaml-emitter.ts), which sorts
 * while it writes: several times faster than the `yaml` library's stringify.
 */
export function toCanonicalYaml(object: unknown): string {
  return emitYaml(object, TOP_LEVEL_FIRST, CHILD_ORDER);
}

/** One-shot `hash()` (Node ≥ 20.12, Deno): about a third cheaper than a Hash object per small file. */
export function sha256(text: string): string {
  return hash('sha256', text, 'hex');
}
