// `strata charts pull`: makes the vendored copies what the lock names. A chart from a
// repository or registry is fetched by the pinned Helm (`helm pull`) when its archive is
// missing or does not match, and refused when the bytes differ from a digest the lock already
// pins; a new entry (no digest yet) is pinned to what was fetched. Types are regenerated.
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { maxSatisfying } from 'semver';
import { chartDigest, fileDigest } from './digest.ts';
import { ChartDigestError, ChartLockError, ChartSourceError, HelmError } from './errors.ts';
import { runHelm } from './helm-tool.ts';
import { chartLockPath, readChartLock, writeChartLock, type ChartLockEntry } from './lock-file.ts';
import { isLoopbackRegistry, listChartVersions, ociRepository, registryEnv } from './repository.ts';
import { writeValuesTypes } from './values-types.ts';

/** What became of one chart: fetched, already as pinned, or pinned for the first time (a folder vendored by hand). */
export type PullAction = 'pulled' | 'unchanged' | 'pinned';

export interface PullResult {
  readonly name: string;
  readonly action: PullAction;
  readonly version: string;
  readonly path: string;
  readonly digest: string;
}

export interface PullOptions {
  /** The project root. */
  readonly root: string;
  /**
   * Lock names to pull.
   * @default every locked chart
   */
  readonly charts?: readonly string[];
}

/** Pulls every selected chart; all errors at once, after the charts that worked were written. */
export async function pullCharts(options: PullOptions): Promise<PullResult[]> {
  const file = chartLockPath(options.root);
  const lock = readChartLock(file);
  const names = options.charts && options.charts.length > 0 ? options.charts : [...lock.charts.keys()].sort();
  const charts = new Map(lock.charts);
  const results: PullResult[] = [];
  const errors: Error[] = [];
  for (const name of names) {
    const entry = charts.get(name);
    if (entry === undefined) {
      errors.push(new ChartLockError(file, `no chart ${JSON.stringify(name)}`));
      continue;
    }
    try {
      const { result, entry: pinned } = await pullOne(options.root, name, entry);
      charts.set(name, pinned);
      results.push(result);
      await writeValuesTypes(options.root, name, join(options.root, pinned.path!), pinned.chart, pinned.version!);
    } catch (error) {
      errors.push(error as Error);
    }
  }
  writeChartLock(file, charts);
  if (errors.length === 1) throw errors[0];
  if (errors.length > 1) throw new AggregateError(errors, errors.map((e) => e.message).join('\n'));
  return results;
}

async function pullOne(root: string, name: string, entry: ChartLockEntry): Promise<{ result: PullResult; entry: ChartLockEntry }> {
  if (entry.repository === undefined) {
    const path = join(root, entry.path!);
    if (!existsSync(path)) throw new ChartLockError(chartLockPath(root), `charts.${name}: ${entry.path} is missing (a chart without a repository is vendored by hand)`);
    const digest = chartDigest(path);
    if (entry.digest !== undefined && entry.digest !== digest) throw new ChartDigestError(name, entry.path!, entry.digest, digest);
    const version = entry.version ?? '';
    return { result: { name, action: entry.digest === undefined ? 'pinned' : 'unchanged', version, path: entry.path!, digest }, entry: { ...entry, digest } };
  }
  let version = entry.version;
  if (version === undefined) {
    const versions = (await listChartVersions(name, entry.chart, entry.repository)).map((v) => v.version);
    version = maxSatisfying(versions, entry.range!) ?? undefined;
    if (version === undefined) throw new ChartSourceError(name, entry.repository, `no version in ${entry.range} (offered: ${versions.join(', ') || 'none'})`);
  }
  const relativePath = entry.version === version && entry.path !== undefined ? entry.path : `charts/${entry.chart}-${version}.tgz`;
  const path = join(root, relativePath);
  if (entry.digest !== undefined && entry.version === version && existsSync(path) && fileDigest(path) === entry.digest) {
    return { result: { name, action: 'unchanged', version, path: relativePath, digest: entry.digest }, entry };
  }
  const pinnedDigest = entry.version === version ? entry.digest : undefined;
  const archive = fetchArchive(name, entry.chart, entry.repository, version);
  try {
    const digest = fileDigest(archive);
    if (pinnedDigest !== undefined && digest !== pinnedDigest) throw new ChartDigestError(name, `${entry.repository} ${entry.chart} ${version}`, pinnedDigest, digest);
    mkdirSync(dirname(path), { recursive: true });
    copyFileSync(archive, path);
    return { result: { name, action: 'pulled', version, path: relativePath, digest }, entry: { ...entry, version, path: relativePath, digest } };
  } finally {
    rmSync(dirname(archive), { recursive: true, force: true });
  }
}

/** `helm pull` of one version into a temporary folder; returns the archive's path. */
export function fetchArchive(name: string, chart: string, repository: string, version: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'strata-pull-'));
  const oci = repository.startsWith('oci://');
  const args = oci
    ? ['pull', `oci://${ociRepository(repository, chart)}`, '--version', version, '--destination', dir, ...(isLoopbackRegistry(repository) ? ['--plain-http'] : [])]
    : ['pull', chart, '--repo', repository, '--version', version, '--destination', dir];
  const result = runHelm(args, { env: oci ? registryEnv() : {} });
  if (result.status !== 0) {
    rmSync(dir, { recursive: true, force: true });
    throw new HelmError(name, `helm pull from ${repository} failed: ${result.stderr.trim()}`);
  }
  const archive = readdirSync(dir).find((f) => f.endsWith('.tgz'));
  if (archive === undefined) {
    rmSync(dir, { recursive: true, force: true });
    throw new HelmError(name, `helm pull from ${repository} wrote no archive`);
  }
  return join(dir, archive);
}
