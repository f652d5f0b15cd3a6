// The page's script (client/app.ts, preact + htm) bundled by esbuild into one offline file; the
// package runs this at build time (scripts/build-package.mjs), a source checkout on first request.
import { fileURLToPath } from 'node:url';

export async function buildClientBundle(outfile?: string): Promise<string> {
  const { build } = await import('esbuild');
  const result = await build({
    entryPoints: [fileURLToPath(new URL('./client/app.ts', import.meta.url))],
    bundle: true,
    format: 'esm',
    target: 'es2022',
    minify: true,
    write: outfile !== undefined,
    ...(outfile ? { outfile } : {}),
    logLevel: 'warning',
  });
  return outfile ? '' : (result.outputFiles?.[0]?.text ?? '');
}
