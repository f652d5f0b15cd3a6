#!/usr/bin/env node
// The `strata` command. A checkout of the repository (src/ beside cli/) runs the TypeScript
// sources: Node through the small esbuild hook beside this file, Deno natively. The published
// package (`npm pack`) carries no sources: it runs the JavaScript compiled into dist/ at
// prepack, on both.
import { existsSync } from 'node:fs';
import { register } from 'node:module';

const checkout = existsSync(new URL('../../src/compiler/index.ts', import.meta.url));
if (checkout && typeof globalThis.Deno === 'undefined') {
  const cacheDir = new URL('../../node_modules/.cache/strata-cli/', import.meta.url).pathname;
  register(new URL('./_ts-hooks.js', import.meta.url), { data: { cacheDir } });
}
const { main } = checkout ? await import('../main.ts') : await import('../../dist/cli/main.js');
await main(process.argv.slice(2));
