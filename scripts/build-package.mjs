// `npm pack` / `npm publish` (prepack): compiles src/ and cli/ to JavaScript with declarations
// in dist/ (see docs/package.md for why the package ships JavaScript, not TypeScript), and
// copies the files TypeScript does not emit (CRD YAML, the CommonJS yargs shim).
import { execFileSync } from 'node:child_process';
import { cpSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
const log = (line) => process.stderr.write(`[build-package] ${line}\n`);

for (const folder of ['src', 'cli']) rmSync(join(root, 'dist', folder), { recursive: true, force: true });
log('tsc -p tsconfig.build.json (JavaScript and .d.ts into dist/)');
execFileSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.build.json')], { cwd: root, stdio: 'inherit' });
for (const asset of ['src/constructs/imports/crds', 'cli/_yargs-cjs.cjs', 'cli/_yargs-cjs.d.cts']) {
  cpSync(join(root, asset), join(root, 'dist', asset), { recursive: true });
}
// The UI's page script, bundled (preact + htm) so the package serves it offline without esbuild.
execFileSync(process.execPath, ['--import', 'tsx', '-e', `import('./src/ui/bundle.ts').then((m) => m.buildClientBundle('dist/src/ui/client.bundle.js'))`], { cwd: root, stdio: 'inherit' });
log('dist/src and dist/cli written');
