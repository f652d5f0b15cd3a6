// A locked chart's vendored copy, checked against the lock before anything renders it.
import { existsSync, statSync } from 'node:fs';
import { isAbsolute, join, relative } from 'node:path';
import { chartsRoot } from './context.ts';
import { chartDigest, treeFiles } from './digest.ts';
import { ChartDigestError, ChartLockError } from './errors.ts';
import { chartLockPath, readChartLock, type ChartLockEntry } from './lock-file.ts';

/** A chart ready to render: its lock entry and the verified vendored copy. */
export interface VendoredChart {
  readonly name: string;
  readonly entry: ChartLockEntry & { readonly version: string; readonly path: string; readonly digest: string };
  /** Absolute path of the folder or archive. */
  readonly path: string;
}

/**
 * Looks `name` up in the project's lock and verifies its vendored copy: it must exist and
 * hash to the lock's digest. Never touches the network.
 */
export function vendoredChart(root: string, name: string): VendoredChart {
  const lockFile = chartLockPath(root);
  const lock = readChartLock(lockFile);
  const where = relative(root, lockFile);
  const entry = lock.charts.get(name);
  if (entry === undefined) {
    const known = [...lock.charts.keys()];
    throw new ChartLockError(where, `no chart ${JSON.stringify(name)}${known.length > 0 ? ` (locked: ${known.join(', ')})` : ''}; add it to the lock and run \`strata charts pull\``);
  }
  if (entry.version === undefined || entry.path === undefined || entry.digest === undefined) {
    throw new ChartLockError(where, `charts.${name}: not pulled yet (no ${['version', 'path', 'digest'].filter((f) => entry[f as keyof ChartLockEntry] === undefined).join(', ')}); run \`strata charts pull\``);
  }
  const path = join(root, entry.path);
  if (!existsSync(path)) throw new ChartLockError(where, `charts.${name}: ${entry.path} is missing; run \`strata charts pull\` to fetch what the lock names`);
  const actual = chartDigest(path);
  if (actual !== entry.digest) throw new ChartDigestError(name, entry.path, entry.digest, actual);
  return { name, entry: entry as VendoredChart['entry'], path };
}

/**
 * The files a compile's output depends on besides the sources: charts/lock.json and every
 * file of each chart it vendors (for the compiler's unchanged-input check).
 */
export function chartInputFiles(root: string): string[] {
  const lockFile = chartLockPath(root);
  if (!existsSync(lockFile)) return [lockFile];
  let lock;
  try {
    lock = readChartLock(lockFile);
  } catch {
    return [lockFile];
  }
  const files = [lockFile];
  for (const entry of lock.charts.values()) {
    if (entry.path === undefined) continue;
    const path = join(root, entry.path);
    if (existsSync(path) && statSync(path).isDirectory()) files.push(...treeFiles(path).map((f) => join(path, f)));
    else files.push(path);
  }
  return files;
}

/**
 * The absolute path of vendored YAML or a kustomize folder (relative to the charts root),
 * after checking it hashes to `digest`; a mismatch names `owner` (a construct path).
 */
export function pinnedPath(owner: string, path: string, digest: string, hint: string): string {
  const root = chartsRoot();
  const absolute = isAbsolute(path) ? path : join(root, path);
  const actual = chartDigest(absolute);
  if (actual !== digest) throw new ChartDigestError(owner, relative(root, absolute) || path, digest, actual, hint);
  return absolute;
}
