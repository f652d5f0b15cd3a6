// How a checkout of Strata runs its own TypeScript (cli/, src/) on Node 20, which cannot strip
// types: as JavaScript compiled beside node_modules (node_modules/.cache/strata-cli/js/), one
// file per source file, brought up to date at start when a source changed. No module hook is
// registered for the CLI itself: on Node 20 a hook costs a message round trip to its thread for
// every module loaded after it, packages included (`@kubernetes/client-node` 0.83 s of CPU
// without a hook, 1.82 s with one that does nothing; docs/benchmarks.md#start-up), and tsx's
// hook thread costs 0.28 s more to start. A user never runs a build step: the first start after
// `npm ci` or after an edit compiles what changed (esbuild's `transform`, what tsx runs).
//
// Each compiled file keeps the meaning of its source: `import.meta.url` (and dirname, filename)
// is the source's, so files found next to a source, `createRequire` and the `strata-source`
// condition (src/compiler/load.ts) behave as when the .ts file runs; relative imports of .ts
// files name the compiled .js; other relative imports (JSON, .cjs) name the source folder's file.
import { mkdirSync, readFileSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const CHECKOUT = fileURLToPath(new URL('../../', import.meta.url));
/** Folders whose TypeScript Node runs (src/ui/client/ is browser code, bundled by src/ui/bundle.ts). */
const SCOPES = ['cli', 'src'];
const SKIP = [join('src', 'ui', 'client')];
// Bump when the output's shape changes: every file is compiled again.
const FORMAT = 1;

/**
 * The URL of the compiled `cli/main.ts`, compiling first whatever changed since the last start.
 * `root` and `out` are for tests: the checkout this file is in, and its cache folder.
 */
export async function checkoutMain(root = CHECKOUT, out = join(root, 'node_modules', '.cache', 'strata-cli', 'js')) {
  const sources = listSources(root);
  const stamp = readStamp(out);
  const current = new Set(sources.map(([file]) => file));
  const changed = sources.filter(([file, state]) => stamp.files[file] !== state).map(([file]) => file);
  const gone = Object.keys(stamp.files).filter((file) => !current.has(file));
  if (changed.length > 0 || gone.length > 0) await compile(root, out, changed, gone, Object.fromEntries(sources));
  // Cluster sources import the library by package name; the compiler hands them these compiled
  // files (the ones it runs itself), as the package hands them dist/ (src/compiler/load.ts).
  globalThis[Symbol.for('strata.checkout')] = { aliases: libraryAliases(root, out) };
  return pathToFileURL(join(out, 'cli', 'main.js')).href;
}

/** `strata-gitops` and its subpaths → the compiled files of their `strata-source` exports. */
function libraryAliases(root, out) {
  const { name, exports } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  const aliases = {};
  for (const [subpath, conditions] of Object.entries(exports ?? {})) {
    const source = conditions?.['strata-source'];
    if (typeof source === 'string' && source.endsWith('.ts')) aliases[`${name}${subpath.slice(1)}`] = pathToFileURL(join(out, source.replace(/\.ts$/, '.js'))).href;
  }
  return aliases;
}

/** Every TypeScript source Node may run, with its size and modification time. */
function listSources(root) {
  const found = [];
  const walk = (dir) => {
    for (const entry of readdirSync(join(root, dir), { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) {
        if (!SKIP.includes(path)) walk(path);
      } else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts')) {
        const stat = statSync(join(root, path));
        found.push([path, `${stat.size}:${stat.mtimeMs}`]);
      }
    }
  };
  for (const scope of SCOPES) walk(scope);
  return found;
}

function readStamp(out) {
  try {
    const stamp = JSON.parse(readFileSync(join(out, 'stamp.json'), 'utf8'));
    if (stamp.format === FORMAT && stamp.esbuild === esbuildVersion() && stamp.node === process.versions.node) return stamp;
  } catch {
    // No stamp yet, or a damaged one: compile everything.
  }
  return { files: {} };
}

function esbuildVersion() {
  return createRequire(import.meta.url)('esbuild/package.json').version;
}

async function compile(root, out, files, gone, state) {
  const require = createRequire(import.meta.url);
  const esbuild = require('esbuild');
  const lexer = await import('es-module-lexer');
  await lexer.init;
  mkdirSync(out, { recursive: true });
  // The compiled files are ES modules whatever package.json is nearest to them.
  writeFileSync(join(out, 'package.json'), '{ "type": "module" }\n');
  await Promise.all(
    files.map(async (file) => {
      const source = join(root, file);
      const { code } = await esbuild.transform(readFileSync(source, 'utf8'), {
        loader: 'ts',
        format: 'esm',
        // The running Node: for an older target esbuild silently drops what that Node lacks
        // (`with { type: 'json' }` below Node 20.10).
        target: `node${process.versions.node}`,
        sourcemap: 'inline',
        sourcefile: source,
        tsconfigRaw: { compilerOptions: { verbatimModuleSyntax: true } },
        define: { 'import.meta.url': JSON.stringify(pathToFileURL(source).href), 'import.meta.dirname': JSON.stringify(dirname(source)), 'import.meta.filename': JSON.stringify(source) },
      });
      atomicWrite(join(out, file.replace(/\.ts$/, '.js')), rewriteImports(lexer, code, root, out, file));
    }),
  );
  for (const file of gone) rmSync(join(out, file.replace(/\.ts$/, '.js')), { force: true });
  atomicWrite(join(out, 'stamp.json'), `${JSON.stringify({ format: FORMAT, esbuild: esbuildVersion(), node: process.versions.node, files: state })}\n`);
}

/** Points the relative imports of one compiled file at compiled .js files, or at the source folder's other files. */
function rewriteImports(lexer, code, root, out, file) {
  const source = join(root, file);
  const from = dirname(join(out, file));
  const [imports] = lexer.parse(code);
  let text = '';
  let at = 0;
  for (const { n: specifier, s, e, d } of imports) {
    if (specifier === undefined || !(specifier.startsWith('./') || specifier.startsWith('../'))) continue;
    const target = resolve(dirname(source), specifier);
    const path = relative(root, target);
    const compiled = path.endsWith('.ts') && inScope(path);
    let rewritten = relative(from, compiled ? join(out, path).replace(/\.ts$/, '.js') : target).split(sep).join('/');
    if (!rewritten.startsWith('.')) rewritten = `./${rewritten}`;
    // A dynamic import's range includes the quotes of its string.
    text += code.slice(at, s) + (d > -1 ? JSON.stringify(rewritten) : rewritten);
    at = e;
  }
  return text + code.slice(at);
}

/** Whether a path relative to the checkout is compiled (a source under cli/ or src/, not browser code). */
function inScope(path) {
  return SCOPES.some((scope) => path.startsWith(`${scope}${sep}`)) && !SKIP.some((skip) => path.startsWith(`${skip}${sep}`));
}

function atomicWrite(file, text) {
  mkdirSync(dirname(file), { recursive: true });
  // Written whole, then renamed: a start running beside this one never reads half a file.
  const partial = `${file}.${process.pid}.tmp`;
  writeFileSync(partial, text);
  renameSync(partial, file);
}
