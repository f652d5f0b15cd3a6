// The hook that runs the checkout's TypeScript (cli/bin/_ts-hooks.js): esbuild's transform,
// cached on disk by content. A stale cache entry would run old code after an edit, so the
// test edits a module between two real processes.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO } from '../compiler/_project.ts';

const work = mkdtempSync(join(tmpdir(), 'strata-ts-hooks-'));
const cacheDir = join(work, 'cache');
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** Runs `main.ts` of the work folder in a new Node process with only the hook registered. */
function run(): { status: number | null; stdout: string; stderr: string } {
  const hooks = pathToFileURL(join(REPO, 'cli', 'bin', '_ts-hooks.js')).href;
  const setup = `import { register } from 'node:module'; register(${JSON.stringify(hooks)}, { data: { cacheDir: ${JSON.stringify(cacheDir)} } });`;
  const result = spawnSync(process.execPath, ['--import', `data:text/javascript,${encodeURIComponent(setup)}`, join(work, 'main.ts')], { encoding: 'utf8', timeout: 60_000 });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('the checkout TypeScript hook', () => {
  it('runs TypeScript (types, enums, type-only imports) and reruns an edited module from its new text', () => {
    writeFileSync(join(work, 'kind.ts'), "export enum Kind { Deployment = 'Deployment' }\nexport interface Shape { readonly kind: Kind }\n");
    writeFileSync(join(work, 'value.ts'), "import { Kind, type Shape } from './kind.ts';\nexport const shape: Shape = { kind: Kind.Deployment };\nexport const version: number = 1;\n");
    writeFileSync(join(work, 'main.ts'), "import { shape, version } from './value.ts';\nconsole.log(`${shape.kind} ${version satisfies number}`);\n");
    const first = run();
    expect(first.stderr).toBe('');
    expect(first.stdout).toBe('Deployment 1\n');
    expect(readdirSync(cacheDir).filter((name) => name.endsWith('.mjs'))).toHaveLength(3);

    writeFileSync(join(work, 'value.ts'), "import { Kind, type Shape } from './kind.ts';\nexport const shape: Shape = { kind: Kind.Deployment };\nexport const version: number = 2;\n");
    const second = run();
    expect(second.stdout).toBe('Deployment 2\n');
    // The edited module was transformed again; the two unchanged ones came from the cache.
    expect(readdirSync(cacheDir).filter((name) => name.endsWith('.mjs'))).toHaveLength(4);
  });
});
