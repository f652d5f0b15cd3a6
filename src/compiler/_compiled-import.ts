// Imports a cluster's local TypeScript without a module hook: the graph of local files the entry
// reaches is compiled to JavaScript (esbuild's `transform`, what tsx runs) into a folder of this
// process, `<cache>/js/<pid>-<n>-…/`, and imported natively. On Node 20 a module hook costs a
// message round trip to its thread for every module loaded after it, packages included, and
// tsx's hook thread costs about 0.28 s of CPU to start (docs/benchmarks.md#start-up).
//
// What stays as when the .ts file runs: `import.meta.url` (and dirname, filename) is the source's;
// a relative import of a .ts file (or of `x.js` standing for `x.ts`, as NodeNext projects write)
// names its compiled file; other local files (JSON image locks) are imported from where they are,
// under the folder's name so an edited one is read again; package imports resolve from the cache
// folder, which lies inside the project. A folder is one generation of module instances, as a tsx
// namespace was: while no file it holds changed, entries share it; after a change, the next import
// starts a new one. What this cannot serve (a computed `import()`, `import.meta.resolve`,
// `#subpath` imports, .tsx, .cts) returns undefined and the caller uses the loader hook instead.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, dirname, extname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

type Esbuild = typeof import('esbuild');
type Lexer = typeof import('es-module-lexer');

/** Compiled folders untouched for this long are removed (their process has long finished). */
const STALE_MS = 10 * 60 * 1000;
const TS = /\.m?ts$/;
/** Local files that need a loader: JSX and CommonJS TypeScript. */
const UNSERVED = /\.(tsx|jsx|cts)$/;

interface Compiled {
  /** The transform of the source, imports not yet rewritten. */
  readonly code: string;
  readonly imports: readonly { readonly specifier: string | undefined; readonly s: number; readonly e: number; readonly d: number }[];
}

const transforms = new Map<string, Compiled>();
let tools: { esbuild: Esbuild; lexer: Lexer } | undefined;

/**
 * Compiles the local graph of `entry` under `cacheDir/js/` and imports it. `aliases` maps package
 * specifiers to file URLs (a checkout's own `strata-gitops`). Returns undefined when the graph
 * uses something only a loader hook serves.
 */
export async function importCompiled(entry: string, cacheDir: string, aliases: ReadonlyMap<string, string> = new Map()): Promise<{ module: unknown } | undefined> {
  tools ??= { esbuild: createRequire(import.meta.url)('esbuild') as Esbuild, lexer: await import('es-module-lexer') };
  await tools.lexer.init;
  const { esbuild, lexer } = tools;
  const graph = new Map<string, { source: string; compiled: Compiled }>();
  const assets = new Map<string, string>();
  let unserved = false;
  let pending = [entry];
  while (pending.length > 0) {
    const next: string[] = [];
    await Promise.all(
      pending.map(async (file) => {
        if (graph.has(file)) return;
        const source = readFileSync(file, 'utf8');
        graph.set(file, { source, compiled: { code: '', imports: [] } });
        const compiled = await transform(esbuild, lexer, file, source);
        graph.set(file, { source, compiled });
        for (const { specifier } of compiled.imports) {
          const local = localTarget(file, specifier);
          if (local?.ts) next.push(local.path);
          else if (local && UNSERVED.test(local.path)) unserved = true;
          else if (local) assets.set(local.path, digestOf(local.path));
        }
      }),
    );
    pending = next;
  }
  if (unserved || [...graph.values()].some(({ compiled }) => !servable(compiled))) return undefined;

  const digests = new Map<string, string>(assets);
  for (const [file, { source }] of graph) digests.set(file, createHash('sha256').update(source).digest('hex'));
  let current = generation;
  if (current === undefined || current.cacheDir !== cacheDir || current.stale(digests) || !sameAliases(current.aliases, aliases)) {
    current = generation = new CompiledGeneration(cacheDir, aliases);
  }
  current.add(graph, digests);
  return { module: await import(pathToFileURL(join(current.dir, nameOf(entry))).href) };
}

let generation: CompiledGeneration | undefined;
let generations = 0;

/**
 * One set of module instances: a folder of compiled files for this process. Entries whose
 * files did not change since it began share it (one instance per file, as in a single run).
 */
class CompiledGeneration {
  readonly dir: string;
  /** Absolute path → sha256 of the content it was compiled from (local assets included). */
  private readonly files = new Map<string, string>();

  constructor(
    readonly cacheDir: string,
    readonly aliases: ReadonlyMap<string, string>,
  ) {
    const root = join(cacheDir, 'js');
    removeStale(root);
    this.dir = join(root, `${process.pid}-${++generations}-${Date.now().toString(36)}`);
    mkdirSync(this.dir, { recursive: true });
    // The compiled files are ES modules whatever package.json is above the project.
    writeFileSync(join(this.dir, 'package.json'), '{ "type": "module" }\n');
  }

  /** Whether a file this generation compiled or imported differs from `digests` (the files of the next graph). */
  stale(digests: ReadonlyMap<string, string>): boolean {
    for (const [file, digest] of this.files) if ((digests.get(file) ?? digestOf(file)) !== digest) return true;
    return false;
  }

  add(graph: ReadonlyMap<string, { compiled: Compiled }>, digests: ReadonlyMap<string, string>): void {
    const version = basename(this.dir);
    for (const [file, { compiled }] of graph) {
      if (this.files.has(file)) continue;
      writeFileSync(join(this.dir, nameOf(file)), rewrite(compiled, file, version, this.aliases));
    }
    for (const [file, digest] of digests) this.files.set(file, digest);
  }
}

function sameAliases(a: ReadonlyMap<string, string>, b: ReadonlyMap<string, string>): boolean {
  return a.size === b.size && [...a].every(([key, value]) => b.get(key) === value);
}

async function transform(esbuild: Esbuild, lexer: Lexer, file: string, source: string): Promise<Compiled> {
  const key = createHash('sha1').update(file).update('\0').update(source).digest('hex');
  const known = transforms.get(key);
  if (known) return known;
  const { code } = await esbuild.transform(source, {
    loader: 'ts',
    format: 'esm',
    // The running Node: for an older target esbuild silently drops what that Node lacks
    // (`with { type: 'json' }` below Node 20.10).
    target: `node${process.versions.node}`,
    sourcemap: 'inline',
    sourcefile: file,
    tsconfigRaw: { compilerOptions: { verbatimModuleSyntax: true } },
    define: { 'import.meta.url': JSON.stringify(pathToFileURL(file).href), 'import.meta.dirname': JSON.stringify(dirname(file)), 'import.meta.filename': JSON.stringify(file) },
  });
  const [imports] = lexer.parse(code);
  const compiled: Compiled = { code, imports: imports.map(({ n, s, e, d }) => ({ specifier: n, s, e, d })) };
  transforms.set(key, compiled);
  return compiled;
}

/** False when the module does what only a hook serves: a computed import(), import.meta beyond url/dirname/filename, a #subpath import. */
function servable(compiled: Compiled): boolean {
  return compiled.imports.every(({ specifier, d }) => d !== -2 && specifier !== undefined && !specifier.startsWith('#'));
}

/** The local file a relative specifier names, and whether it is TypeScript to compile; undefined for a package. */
function localTarget(from: string, specifier: string | undefined): { path: string; ts: boolean } | undefined {
  if (specifier === undefined || !(specifier.startsWith('./') || specifier.startsWith('../') || specifier.startsWith('/'))) return undefined;
  const path = resolve(dirname(from), specifier);
  if (TS.test(path)) return { path, ts: true };
  // NodeNext projects import `./x.js` for `./x.ts`.
  const ext = extname(path);
  if ((ext === '.js' || ext === '.mjs') && !existsSync(path)) {
    const ts = path.slice(0, -ext.length) + (ext === '.js' ? '.ts' : '.mts');
    if (existsSync(ts)) return { path: ts, ts: true };
  }
  return { path, ts: false };
}

function rewrite(compiled: Compiled, file: string, version: string, aliases: ReadonlyMap<string, string>): string {
  let text = '';
  let at = 0;
  for (const { specifier, s, e, d } of compiled.imports) {
    const local = localTarget(file, specifier);
    let target: string | undefined;
    if (local?.ts) target = `./${nameOf(local.path)}`;
    else if (local) target = `${pathToFileURL(local.path).href}?strata=${version}`;
    else if (specifier !== undefined) target = aliases.get(specifier);
    if (target === undefined) continue;
    // A dynamic import's range includes the quotes of its string.
    text += compiled.code.slice(at, s) + (d > -1 ? JSON.stringify(target) : target);
    at = e;
  }
  return text + compiled.code.slice(at);
}

/** One flat folder per graph: a file's compiled name is unique by its path. */
function nameOf(file: string): string {
  const base = file.slice(file.lastIndexOf('/') + 1).replace(TS, '');
  return `${base}-${createHash('sha1').update(file).digest('hex').slice(0, 12)}.js`;
}

function digestOf(file: string): string {
  try {
    return createHash('sha256').update(readFileSync(file)).digest('hex');
  } catch {
    return '(missing)';
  }
}

/** Removes the folders of generations that ended a while ago (another process may still be running its own). */
function removeStale(root: string): void {
  if (!existsSync(root)) return;
  const now = Date.now();
  for (const name of readdirSync(root)) {
    const path = join(root, name);
    try {
      if (now - statSync(path).mtimeMs > STALE_MS) rmSync(path, { recursive: true, force: true });
    } catch {
      // Removed by a compile beside this one.
    }
  }
}
