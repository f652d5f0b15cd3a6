import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { register } from 'node:module';
import { relative, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { withChartsRoot } from '../charts/context.ts';
import { importCompiled } from './_compiled-import.ts';
import { isClusterSource, type ClusterSource } from '../constructs/cluster-source.ts';
import type { ManifestSetEntryInput } from '../manifest/index.ts';
import { ClusterLoadError } from './errors.ts';
import { clusterEntry, type ProjectLayout } from './project.ts';

/** Imports `clusters/<name>/index.ts` and checks that it default-exports a ClusterSource named after its folder. */
export async function loadClusterSource(layout: ProjectLayout, name: string): Promise<ClusterSource> {
  const entry = clusterEntry(layout, name);
  const file = relative(layout.root, entry);
  let module: { default?: unknown };
  try {
    module = (await importEntry(entry, layout.cacheDir)) as { default?: unknown };
  } catch (error) {
    throw new ClusterLoadError(name, file, `cannot be imported: ${(error as Error).message ?? String(error)}`, { cause: error });
  }
  const source = module.default;
  if (!isClusterSource(source)) {
    throw new ClusterLoadError(name, file, 'must default-export a ClusterSource ({ name, synthesize() }), e.g. `export default new Cluster({ ... })`');
  }
  if (source.name !== name) {
    throw new ClusterLoadError(name, file, `exports the cluster ${JSON.stringify(source.name)}; the folder and the cluster name must be the same`);
  }
  return source;
}

/**
 * Imports a cluster entry so that a process that compiles more than once (tests, the
 * benchmark, a long-lived tool) sees the current files: the ES module cache never
 * forgets a module, so an edited construct file or `images.json` would otherwise be
 * compiled as first loaded.
 *
 * Compiled JavaScript (the package's dist/, a checkout's strata command) compiles the entry's
 * local graph and imports it without a hook (./_compiled-import.ts): each version of the graph
 * is a folder of its own. Running from TypeScript (tests, the benchmark's processes) it goes
 * through tsx: every local file a load brings in is recorded with its digest; while none of
 * them changed, entries share one generation (one module instance per file, as in a single
 * run); after a change the next entry is imported under a new tsx namespace, which gives every
 * local module of its graph a fresh URL. Packages in node_modules are shared by all generations.
 */
async function importEntry(entry: string, cacheDir: string): Promise<unknown> {
  // Deno loads TypeScript itself and has no loader hooks: a changed entry gets a new
  // query (its own imports stay cached; the CLI runs once per compile).
  if (typeof (globalThis as { Deno?: unknown }).Deno !== 'undefined') return import(denoEntryUrl(entry));
  const checkout = (globalThis as { [CHECKOUT]?: { readonly aliases: Record<string, string> } })[CHECKOUT];
  if (checkout !== undefined || !import.meta.url.endsWith('.ts')) {
    const compiled = await importCompiled(entry, cacheDir, new Map(Object.entries(checkout?.aliases ?? {})));
    if (compiled !== undefined) return compiled.module;
  }
  let current = generation;
  if (current === undefined || current.stale()) {
    await current?.retire();
    current = generation = await Generation.start();
  }
  return current.import(entry);
}

/**
 * Set by cli/bin/_checkout.js when a checkout's strata runs compiled: the URLs of the compiled
 * library for `strata-gitops` and its subpaths, which the sources import by package name.
 */
const CHECKOUT = Symbol.for('strata.checkout');

type TsxApi = typeof import('tsx/esm/api');
type NamespacedLoader = ReturnType<TsxApi['register']> & { import: (specifier: string, parent: string) => Promise<unknown>; unregister: () => Promise<void> };

let generation: Generation | undefined;
let generations = 0;

class Generation {
  /** Absolute path → sha256 of the content when it was loaded. */
  private readonly files = new Map<string, string>();

  private constructor(private readonly loader: NamespacedLoader) {}

  static async start(): Promise<Generation> {
    registerSourceCondition();
    const { register } = (await import('tsx/esm/api')) as TsxApi;
    let created: Generation | undefined;
    const loader = register({
      namespace: `strata-${process.pid}-${++generations}`,
      onImport: (url: string) => created?.record(url),
    }) as NamespacedLoader;
    created = new Generation(loader);
    return created;
  }

  import(entry: string): Promise<unknown> {
    this.record(pathToFileURL(entry).href);
    return this.loader.import(pathToFileURL(entry).href, import.meta.url);
  }

  /** Whether a file this generation loaded has changed (or gone) since. */
  stale(): boolean {
    for (const [file, digest] of this.files) if (digestOf(file) !== digest) return true;
    return false;
  }

  /** Stops the loader hook of this generation; its modules stay in the cache, unused. */
  retire(): Promise<void> {
    return this.loader.unregister();
  }

  private record(url: string): void {
    if (!url.startsWith('file:')) return;
    const file = fileURLToPath(url.replace(/[?#].*$/, ''));
    if (file.includes(`${sep}node_modules${sep}`) || this.files.has(file)) return;
    this.files.set(file, digestOf(file));
  }
}

/** The export condition under which `strata-gitops` resolves to its TypeScript sources (package.json `exports`). */
export const SOURCE_CONDITION = 'strata-source';

let sourceConditionRegistered = false;

/**
 * Cluster sources import the library by its package name. A compiler that runs from the
 * TypeScript sources (a checkout of Strata, whose own example imports `strata-gitops` by
 * package self-reference) must hand them the same sources, not a compiled copy that may be
 * stale or absent: a resolve hook adds the `strata-source` condition for that. A compiler
 * running from the published JavaScript leaves resolution alone (`dist/`, with its types).
 */
function registerSourceCondition(): void {
  if (sourceConditionRegistered || !import.meta.url.endsWith('.ts')) return;
  sourceConditionRegistered = true;
  const hook = `export async function resolve(specifier, context, next) {
    return next(specifier, context.conditions.includes(${JSON.stringify(SOURCE_CONDITION)}) ? context : { ...context, conditions: [...context.conditions, ${JSON.stringify(SOURCE_CONDITION)}] });
  }`;
  register(`data:text/javascript,${encodeURIComponent(hook)}`);
}

function digestOf(file: string): string {
  try {
    return createHash('sha256').update(readFileSync(file)).digest('hex');
  } catch {
    return '(missing)';
  }
}

const denoImported = new Map<string, string>();

function denoEntryUrl(entry: string): string {
  const digest = digestOf(entry).slice(0, 16);
  const previous = denoImported.get(entry);
  const url = pathToFileURL(entry).href;
  if (previous === undefined) denoImported.set(entry, digest);
  if (previous === undefined || previous === digest) return url;
  denoImported.set(entry, digest);
  return `${url}?v=${digest}`;
}

/** Runs a cluster's synthesis, wrapping any failure with the cluster and its entry file. */
export async function synthesizeCluster(layout: ProjectLayout, source: ClusterSource): Promise<readonly ManifestSetEntryInput[]> {
  try {
    // Charts (HelmChart) resolve against this project's charts/lock.json.
    return await withChartsRoot(layout.root, () => source.synthesize());
  } catch (error) {
    const message = error instanceof Error ? `${error.name === 'Error' ? '' : `${error.name}: `}${error.message}` : String(error);
    throw new ClusterLoadError(source.name, relative(layout.root, clusterEntry(layout, source.name)), message, { cause: error });
  }
}
