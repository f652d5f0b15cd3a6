// Module hooks (node:module register) that let a checkout of Strata run its own TypeScript
// sources (cli/, src/) on Node 20, which cannot strip types. Each .ts file is transformed by
// esbuild's `transform` (the transform tsx uses) and the result is cached on disk by content,
// so a start whose sources are unchanged runs no esbuild at all. This replaces registering
// tsx for the CLI itself: tsx's hook thread loads its whole bundle (tsconfig paths, CommonJS
// interop, a source-map pipeline) and cost about 0.28 s of CPU per start, against 0.06 s for
// a hook thread that only does this (docs/benchmarks.md). Users' cluster sources are still
// loaded by tsx, under a namespace of their own (src/compiler/load.ts). The transforms carry
// inline source maps: `node --enable-source-maps cli/bin/strata.js` shows TypeScript lines in a
// stack trace (not on by default: Node would then parse every module's map at load).
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const TS_FILE = /\.m?ts$/;
let cacheDir;
let esbuild;
let key;

/** @param {{ cacheDir: string }} data */
export function initialize(data) {
  cacheDir = data.cacheDir;
}

export async function load(url, context, next) {
  if (!url.startsWith('file:') || !TS_FILE.test(url) || url.includes('/node_modules/')) return next(url, context);
  const file = fileURLToPath(url);
  const source = readFileSync(file, 'utf8');
  const require = createRequire(import.meta.url);
  // The key covers the transform too: another esbuild version or option set misses.
  key ??= createHash('sha1').update(`${require('esbuild/package.json').version} esm node20 inline-map`).digest('hex');
  const cached = join(cacheDir, `${createHash('sha1').update(key).update(file).update(source).digest('hex')}.mjs`);
  let code;
  try {
    code = readFileSync(cached, 'utf8');
  } catch {
    esbuild ??= require('esbuild');
    ({ code } = await esbuild.transform(source, { loader: 'ts', format: 'esm', target: 'node20', sourcemap: 'inline', sourcefile: file }));
    try {
      mkdirSync(cacheDir, { recursive: true });
      // Written whole, then renamed: a concurrent start never reads half a file.
      const partial = `${cached}.${process.pid}.tmp`;
      writeFileSync(partial, code);
      renameSync(partial, cached);
    } catch {
      // A read-only checkout still runs; it transforms on every start.
    }
  }
  return { format: 'module', source: code, shortCircuit: true };
}
