/**
 * The chart lock, `charts/lock.json`: every chart the project renders, by the name a
 * `HelmChart` refers to it with.
 *
 * ```json
 * { "charts": {
 *   "ingress-nginx": { "chart": "ingress-nginx", "version": "4.15.1", "path": "charts/ingress-nginx", "digest": "sha256:…" },
 *   "podinfo": { "chart": "podinfo", "repository": "oci://ghcr.io/stefanprodan/charts", "version": "6.9.0",
 *                "range": "^6.0.0", "path": "charts/podinfo-6.9.0.tgz", "digest": "sha256:…" } } }
 * ```
 *
 * `repository` is an HTTP(S) Helm repository (its index.yaml) or an `oci://` registry path;
 * without one the chart is a folder or archive vendored in the repository by hand. `path` is
 * where the vendored copy lives (relative to the project root), `digest` what it must hash to
 * (see digest.ts). A human adds an entry (`chart`, `repository`, `version` or `range`) and
 * `strata charts pull` fills in `path` and `digest`; `strata charts update` moves `version`
 * within `range`.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
// The two functions, not semver's index, which loads all of semver (about 40 ms of CPU on every
// `strata synth`, which reads the chart lock even when nothing changed).
import valid from 'semver/functions/valid.js';
import validRange from 'semver/ranges/valid.js';
import { ChartLockError } from './errors.ts';

/** Where the lock lives under a project root. */
export const CHART_LOCK_FILE = 'charts/lock.json';

/** One locked chart. */
export interface ChartLockEntry {
  /** The chart's name in its repository (Chart.yaml `name`). */
  readonly chart: string;
  /** The exact version; may be absent before the first `strata charts pull` when `range` is set. */
  readonly version?: string;
  /** `https://…` Helm repository or `oci://host/path` registry; absent for a chart vendored by hand. */
  readonly repository?: string;
  /** Semver range `strata charts update` moves `version` within. @default `^<version>` */
  readonly range?: string;
  /** The vendored folder or `.tgz`, relative to the project root; set by `strata charts pull`. */
  readonly path?: string;
  /** `sha256:<hex>` of the vendored copy; set by `strata charts pull`. */
  readonly digest?: string;
  /** Where a chart vendored by hand was taken from (informational). */
  readonly upstream?: string;
}

export interface ChartLock {
  /** Absolute path of the lock file. */
  readonly file: string;
  readonly charts: ReadonlyMap<string, ChartLockEntry>;
}

const FIELDS = ['chart', 'version', 'repository', 'range', 'path', 'digest', 'upstream'] as const;

/** The lock file of a project root. */
export function chartLockPath(root: string): string {
  return join(root, CHART_LOCK_FILE);
}

/** Reads and checks the lock; a missing file is an empty lock. */
export function readChartLock(file: string): ChartLock {
  if (!existsSync(file)) return { file, charts: new Map() };
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new ChartLockError(file, 'cannot be read', { cause: error });
  }
  return parseChartLock(file, text);
}

/** Parses a lock's text; every problem at once. */
export function parseChartLock(file: string, text: string): ChartLock {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new ChartLockError(file, `is not JSON: ${(error as Error).message}`, { cause: error });
  }
  const charts = (json as { charts?: unknown } | null)?.charts;
  if (typeof charts !== 'object' || charts === null || Array.isArray(charts)) throw new ChartLockError(file, 'must be an object with a `charts` object');
  const problems: string[] = [];
  const entries = new Map<string, ChartLockEntry>();
  for (const [name, value] of Object.entries(charts as Record<string, unknown>)) {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      problems.push(`charts.${name}: must be an object`);
      continue;
    }
    const record = value as Record<string, unknown>;
    for (const key of Object.keys(record)) {
      if (!(FIELDS as readonly string[]).includes(key)) problems.push(`charts.${name}.${key}: unknown field (known: ${FIELDS.join(', ')})`);
      else if (typeof record[key] !== 'string') problems.push(`charts.${name}.${key}: must be a string`);
    }
    const entry = record as unknown as ChartLockEntry;
    if (typeof record['chart'] !== 'string' || record['chart'] === '') problems.push(`charts.${name}.chart: required`);
    if (entry.version !== undefined && valid(entry.version) === null) problems.push(`charts.${name}.version: ${JSON.stringify(entry.version)} is not a semver version`);
    if (entry.range !== undefined && validRange(entry.range) === null) problems.push(`charts.${name}.range: ${JSON.stringify(entry.range)} is not a semver range`);
    if (entry.version === undefined && entry.range === undefined) problems.push(`charts.${name}: needs a version or a range`);
    if (entry.repository !== undefined && !/^(https?|oci):\/\//.test(entry.repository)) problems.push(`charts.${name}.repository: must start with https://, http:// or oci://`);
    if (entry.repository === undefined && entry.path === undefined) problems.push(`charts.${name}: a chart without a repository needs the path of its vendored folder or archive`);
    if (entry.digest !== undefined && !/^sha256:[0-9a-f]{64}$/.test(entry.digest)) problems.push(`charts.${name}.digest: must be sha256:<64 hex digits>`);
    entries.set(name, entry);
  }
  if (problems.length > 0) throw new ChartLockError(file, problems.join('; '));
  return { file, charts: entries };
}

/** The lock's text: charts sorted by name, fields in a fixed order, two-space indent. */
export function serializeChartLock(charts: ReadonlyMap<string, ChartLockEntry>): string {
  const out: Record<string, Record<string, string>> = {};
  for (const name of [...charts.keys()].sort()) {
    const entry = charts.get(name)!;
    const record: Record<string, string> = {};
    for (const field of FIELDS) if (entry[field] !== undefined) record[field] = entry[field]!;
    out[name] = record;
  }
  return `${JSON.stringify({ charts: out }, null, 2)}\n`;
}

/** Writes the lock when its text changes; returns whether it did. */
export function writeChartLock(file: string, charts: ReadonlyMap<string, ChartLockEntry>): boolean {
  const text = serializeChartLock(charts);
  if (existsSync(file) && readFileSync(file, 'utf8') === text) return false;
  writeFileSync(file, text);
  return true;
}
