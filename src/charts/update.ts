// `strata charts update`: moves each chart from a repository or registry to the highest
// version its range allows (policy `semver`, the only one so far), fetches it, and rewrites
// the lock (version, path, digest); the old archive is removed. Then `strata synth` renders it
// (`strata check` reports the stale output until then).
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { gt, maxSatisfying } from 'semver';
import { ChartLockError, ChartSourceError } from './errors.ts';
import { chartLockPath, readChartLock, writeChartLock, type ChartLockEntry } from './lock-file.ts';
import { pullCharts } from './pull.ts';
import { listChartVersions } from './repository.ts';

/** How a chart may move. */
export type ChartUpdatePolicy = 'semver';

export interface ChartChange {
  readonly name: string;
  readonly from: string;
  readonly to: string;
}

export interface UpdateChartsOptions {
  readonly root: string;
  /** @default every chart with a repository */
  readonly charts?: readonly string[];
  /** @default 'semver' */
  readonly policy?: ChartUpdatePolicy;
}

/** The range a chart moves within: its `range`, else `^<version>`. */
export function rangeOf(entry: ChartLockEntry): string {
  return entry.range ?? `^${entry.version}`;
}

export async function updateCharts(options: UpdateChartsOptions): Promise<ChartChange[]> {
  const file = chartLockPath(options.root);
  const lock = readChartLock(file);
  const names = options.charts && options.charts.length > 0 ? options.charts : [...lock.charts.keys()].sort().filter((n) => lock.charts.get(n)!.repository !== undefined);
  const charts = new Map(lock.charts);
  const changes: ChartChange[] = [];
  const removed: string[] = [];
  for (const name of names) {
    const entry = charts.get(name);
    if (entry === undefined) throw new ChartLockError(file, `no chart ${JSON.stringify(name)}`);
    if (entry.repository === undefined) throw new ChartLockError(file, `charts.${name}: vendored by hand (no repository); update its folder and run \`strata charts pull\``);
    const offered = (await listChartVersions(name, entry.chart, entry.repository)).map((v) => v.version);
    const best = maxSatisfying(offered, rangeOf(entry));
    if (best === null) throw new ChartSourceError(name, entry.repository, `no version in ${rangeOf(entry)} (offered: ${offered.join(', ') || 'none'})`);
    if (entry.version !== undefined && !gt(best, entry.version)) continue;
    changes.push({ name, from: entry.version ?? '(none)', to: best });
    if (entry.path !== undefined) removed.push(entry.path);
    const { version: _v, path: _p, digest: _d, ...rest } = entry;
    charts.set(name, { ...rest, range: rangeOf(entry) } as ChartLockEntry & { range: string });
  }
  if (changes.length === 0) return [];
  writeChartLock(file, charts);
  await pullCharts({ root: options.root, charts: changes.map((c) => c.name) });
  const kept = new Set([...readChartLock(file).charts.values()].map((e) => e.path));
  for (const path of removed) if (!kept.has(path) && existsSync(join(options.root, path))) rmSync(join(options.root, path), { recursive: true, force: true });
  return changes;
}
