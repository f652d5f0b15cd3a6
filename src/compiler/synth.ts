import { join, resolve } from 'node:path';
import { storeRenders, withRenderSession, type RenderMode, type RenderSession, type StoreResult } from '../charts/render-store.ts';
import type { CompiledCluster } from './compile.ts';
import { CompileError } from './errors.ts';
import { OutputCache } from './output-cache.ts';
import { clusterEntry, discoverClusters, projectLayout, type ProjectLayout } from './project.ts';
import { cachedTypeCheck, typeCheck, type TypeCheckResult } from './typecheck.ts';
import type { WriteResult } from './write.ts';

/** Options of {@link synth} and {@link compile}. */
export interface SynthOptions {
  /**
   * The project root, holding `clusters/`.
   * @default process.cwd()
   */
  readonly root?: string;
  /**
   * Clusters to compile, by folder name under `clusters/`.
   * @default every cluster found
   */
  readonly clusters?: readonly string[];
  /**
   * Where `<cluster>/` folders are written.
   * @default `<root>/deploy`
   */
  readonly outDir?: string;
  /**
   * Type-check the cluster sources first and fail with file:line on an error.
   * Turning it off also turns off the unchanged-output shortcut (it needs the import graph).
   * @default true
   */
  readonly typecheck?: boolean;
  /**
   * Reuse the type-check and skip clusters whose sources and output are unchanged.
   * @default true
   */
  readonly cache?: boolean;
  /**
   * Called as work progresses, e.g. to print progress on a terminal.
   * @default no reporting
   */
  readonly onProgress?: (event: SynthProgress) => void;
}

export type SynthProgress =
  | { readonly phase: 'typecheck'; readonly cached?: boolean }
  | { readonly phase: 'compile'; readonly cluster: string; readonly index: number; readonly total: number }
  | { readonly phase: 'write'; readonly cluster: string };

/** What happened to one cluster's output folder: a closed set. */
export type ClusterAction = 'written' | 'unchanged' | 'cached';

export interface ClusterSynthResult {
  readonly cluster: string;
  /** `written`: files were written or removed; `unchanged`: compiled, nothing differed; `cached`: sources and output unchanged, not recompiled. */
  readonly action: ClusterAction;
  readonly dir: string;
  /** Objects in the output (from index.json when cached). */
  readonly objects: number;
  readonly written: readonly string[];
  readonly removed: readonly string[];
}

export interface SynthResult {
  readonly clusters: readonly ClusterSynthResult[];
  /** Committed chart renders (charts/renders/) written and removed. */
  readonly renders: StoreResult;
}

interface Plan {
  readonly layout: ProjectLayout;
  readonly names: readonly string[];
  /** Whether `names` are all the project's clusters. */
  readonly all: boolean;
  readonly fingerprint?: string;
  /**
   * The type-check, still running, when a source changed since the last one: every selected
   * cluster is compiled then, so the compile runs beside it (see {@link besideCheck}).
   */
  readonly checking?: Promise<TypeCheckResult>;
}

async function plan(options: SynthOptions): Promise<Plan> {
  const layout = projectLayout(options.root ?? process.cwd());
  const found = discoverClusters(layout);
  const names = options.clusters && options.clusters.length > 0 ? [...options.clusters] : found;
  const unknown = names.filter((name) => !found.includes(name));
  if (unknown.length > 0) {
    throw new CompileError(
      unknown.map((name) => new Error(`no cluster ${JSON.stringify(name)}: expected ${clusterEntry(layout, name)}${found.length > 0 ? ` (clusters: ${found.join(', ')})` : ''}`)),
    );
  }
  if (names.length === 0) throw new CompileError([new Error(`no clusters found: expected clusters/<name>/index.ts under ${layout.root}`)]);
  const all = found.every((name) => names.includes(name));
  if (options.typecheck === false) return { layout, names, all };
  const entries = names.map((name) => clusterEntry(layout, name));
  const useCache = options.cache ?? true;
  options.onProgress?.({ phase: 'typecheck' });
  const cached = useCache ? cachedTypeCheck(layout, entries) : undefined;
  if (cached !== undefined) return { layout, names, all, fingerprint: cached.fingerprint };
  const checking = typeCheck(layout, entries, { cache: useCache });
  // Awaited by besideCheck; this only keeps a failure before that from going unhandled.
  checking.catch(() => undefined);
  return { layout, names, all, checking };
}

/**
 * Runs the compile while the type-checker (the native compiler, a process of its own) runs,
 * on the other core, and waits for both. The type-check's errors come first: code that does
 * not type-check may also fail to compile, for that reason.
 */
async function besideCheck<T>(checking: Promise<TypeCheckResult> | undefined, compiling: Promise<T>): Promise<{ result: T; fingerprint?: string }> {
  if (checking === undefined) return { result: await compiling };
  const [checked, compiled] = await Promise.allSettled([checking, compiling]);
  if (checked.status === 'rejected') throw checked.reason;
  if (compiled.status === 'rejected') throw compiled.reason;
  return { result: compiled.value, fingerprint: checked.value.fingerprint };
}

/**
 * Compiles clusters in memory, all of them, collecting every cluster's error and
 * failing once. Writes nothing.
 */
export async function compile(options: SynthOptions = {}): Promise<CompiledCluster[]> {
  return (await compileWithRenders(options, 'synth')).compiled;
}

/** What {@link compileWithRenders} returns: the clusters and the chart renders they used. */
export interface CompiledProject {
  readonly compiled: CompiledCluster[];
  readonly session: RenderSession;
  /** Whether every cluster of the project was compiled. */
  readonly all: boolean;
}

/**
 * {@link compile}, also returning the chart renders the clusters used; `verify` renders every
 * chart with the pinned Helm (or this machine's cache of it) instead of the committed renders.
 * @internal
 */
export async function compileWithRenders(options: SynthOptions, mode: RenderMode): Promise<CompiledProject> {
  const { layout, names, all, checking } = await plan(options);
  const { result } = await besideCheck(checking, withRenderSession(layout.root, mode, () => compileAll(layout, names, options)));
  return { compiled: result.result, session: result.session, all };
}

async function compileAll(layout: ProjectLayout, names: readonly string[], options: SynthOptions): Promise<CompiledCluster[]> {
  if (names.length === 0) return [];
  // Loaded only when a cluster is compiled: an unchanged synth loads no construct, manifest or SOPS code.
  const { compileCluster } = await import('./compile.ts');
  const compiled: CompiledCluster[] = [];
  const errors: Error[] = [];
  for (const [index, name] of names.entries()) {
    options.onProgress?.({ phase: 'compile', cluster: name, index, total: names.length });
    try {
      compiled.push(await compileCluster(layout, name));
    } catch (error) {
      errors.push(error instanceof Error ? error : new Error(String(error)));
    }
  }
  if (errors.length > 0) throw new CompileError(errors);
  return compiled;
}

/**
 * `strata synth`: type-checks, compiles every selected cluster in memory and, only when
 * all of them compiled, brings each `<outDir>/<cluster>/` to exactly the compiled files.
 * A failing compile writes nothing. Clusters whose sources and output are unchanged
 * since the last run are not recompiled (see OutputCache). The chart renders the clusters
 * used are committed beside the charts (charts/renders/, see render-store.ts).
 */
export async function synth(options: SynthOptions = {}): Promise<SynthResult> {
  const { layout, names, all, fingerprint: checked, checking } = await plan(options);
  let fingerprint = checked;
  const outDir = resolve(options.outDir ?? join(layout.root, 'deploy'));
  const useCache = (options.cache ?? true) && checked !== undefined;
  const cache = new OutputCache(layout.cacheDir);
  const results = new Map<string, ClusterSynthResult>();
  const stale: string[] = [];
  for (const name of names) {
    const dir = join(outDir, name);
    const objects = useCache ? cache.current(dir, checked) : undefined;
    if (objects !== undefined) results.set(name, { cluster: name, action: 'cached', dir, objects, written: [], removed: [] });
    else stale.push(name);
  }
  const beside = await besideCheck(checking, withRenderSession(layout.root, 'synth', () => compileAll(layout, stale, options)));
  const { result: compiled, session } = beside.result;
  fingerprint ??= beside.fingerprint;
  // Every render a compiled cluster used is committed; unused ones go only when every cluster ran.
  const renders = compiled.length > 0 ? storeRenders(session, all && stale.length === names.length) : { written: [], removed: [] };
  if (compiled.length > 0) {
    const { syncDirectory } = await import('./write.ts');
    for (const cluster of compiled) {
      const dir = join(outDir, cluster.name);
      options.onProgress?.({ phase: 'write', cluster: cluster.name });
      const written: WriteResult = await syncDirectory(dir, cluster.files);
      const changed = written.written.length > 0 || written.removed.length > 0;
      results.set(cluster.name, { cluster: cluster.name, action: changed ? 'written' : 'unchanged', dir, objects: cluster.set.size, written: written.written, removed: written.removed });
      if (fingerprint !== undefined) cache.record(dir, fingerprint, cluster.set.size);
      else cache.forget(dir);
    }
    cache.save();
  }
  return { clusters: names.map((name) => results.get(name)!), renders };
}
