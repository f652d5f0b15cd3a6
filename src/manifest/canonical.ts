import { createHash } from 'node:crypto';
import { stringify } from 'yaml';
import { compareStrings } from './kind-order.ts';

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

/** The canonical YAML text of one object: canonical key order, block style, no line folding. */
export function toCanonicalYaml(object: unknown): string {
  return stringify(canonicalize(object), { lineWidth: 0, minContentWidth: 0, aliasDuplicateObjects: false, version: '1.2' });
}

export function sha256(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}
