#!/usr/bin/env node
// The `strata` command. A checkout of the repository (src/ beside cli/) runs the TypeScript
// sources: Node as JavaScript compiled into node_modules/.cache/ when a source changed
// (./_checkout.js), Deno natively. The published package (`npm pack`) carries no sources: it
// runs the JavaScript compiled into dist/ at prepack, on both.
import { existsSync } from 'node:fs';

const checkout = existsSync(new URL('../../src/compiler/index.ts', import.meta.url));
let entry = '../../dist/cli/main.js';
if (checkout) entry = typeof globalThis.Deno === 'undefined' ? await (await import('./_checkout.js')).checkoutMain() : '../main.ts';
const { main } = await import(entry);
await main(process.argv.slice(2));
