#!/usr/bin/env node
// The published entry. Node 20 cannot load TypeScript on its own, so the tsx
// loader is registered first; Deno runs the TypeScript sources natively.
if (typeof globalThis.Deno === 'undefined') {
  const { register } = await import('tsx/esm/api');
  register();
}
const { main } = await import('../main.ts');
await main(process.argv.slice(2));
