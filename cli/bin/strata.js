#!/usr/bin/env node
// The `strata` command. A checkout of the repository (src/ beside cli/) runs the TypeScript
// sources: Node through the tsx loader, Deno natively. The published package (`npm pack`)
// carries no sources: it runs the JavaScript compiled into dist/ at prepack, on both.
import { existsSync } from 'node:fs';

const checkout = existsSync(new URL('../../src/compiler/index.ts', import.meta.url));
if (checkout && typeof globalThis.Deno === 'undefined') {
  const { register } = await import('tsx/esm/api');
  register();
}
const { main } = checkout ? await import('../main.ts') : await import('../../dist/cli/main.js');
await main(process.argv.slice(2));
