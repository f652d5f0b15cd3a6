// How a checkout runs its TypeScript (cli/bin/_checkout.js): compiled to JavaScript in a cache
// folder when a source changed. A stale compiled file would run old code after an edit, and a
// compiled file that saw its own URL instead of the source's would look for its neighbours
// (CRD files, the yargs shim, charts' tools) in the cache; the test runs real processes.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO } from '../compiler/_project.ts';

mkdirSync(join(REPO, 'tmp'), { recursive: true });
const root = mkdtempSync(join(REPO, 'tmp', 'checkout-'));
const out = join(root, 'cache');
afterAll(() => rmSync(root, { recursive: true, force: true }));

function write(file: string, text: string): void {
  mkdirSync(join(root, file, '..'), { recursive: true });
  writeFileSync(join(root, file), text);
}

/** A new Node process: compile what changed, import the compiled cli/main.ts and print what its main() returns. */
function run(): { stdout: string; stderr: string } {
  const checkout = pathToFileURL(join(REPO, 'cli', 'bin', '_checkout.js')).href;
  const script = `const { checkoutMain } = await import(${JSON.stringify(checkout)}); const { main } = await import(await checkoutMain(${JSON.stringify(root)}, ${JSON.stringify(out)})); console.log(JSON.stringify({ ...(await main()), aliases: globalThis[Symbol.for('strata.checkout')].aliases }));`;
  const result = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 60_000 });
  return { stdout: result.stdout, stderr: result.stderr };
}

describe('a checkout runs its TypeScript compiled', () => {
  it('keeps each source’s URL and imports, and runs an edited source from its new text', () => {
    write('package.json', JSON.stringify({ name: 'lib', exports: { '.': { 'strata-source': './src/value.ts', default: './dist/value.js' }, './kind': { 'strata-source': './src/kind.ts' } } }));
    write('src/kind.ts', "export enum Kind { Deployment = 'Deployment' }\nexport interface Shape { readonly kind: Kind }\n");
    write('src/value.ts', "import { Kind, type Shape } from './kind.ts';\nexport const shape: Shape = { kind: Kind.Deployment };\nexport const version: number = 1;\n");
    write('src/data.json', '{ "from": "json" }\n');
    write('cli/lazy.ts', 'export const lazy: string = "lazy";\n');
    write(
      'cli/main.ts',
      [
        "import { shape, version } from '../src/value.ts';",
        "import data from '../src/data.json' with { type: 'json' };",
        'export async function main(): Promise<unknown> {',
        "  const { lazy } = await import('./lazy.ts');",
        "  return { kind: shape.kind, version, data, lazy, url: import.meta.url, neighbour: new URL('./data.json', import.meta.url).href };",
        '}',
        '',
      ].join('\n'),
    );
    const first = run();
    expect(first.stderr).toBe('');
    expect(JSON.parse(first.stdout)).toEqual({
      kind: 'Deployment',
      version: 1,
      data: { from: 'json' },
      lazy: 'lazy',
      url: pathToFileURL(join(root, 'cli', 'main.ts')).href,
      neighbour: pathToFileURL(join(root, 'cli', 'data.json')).href,
      // What the compiler hands cluster sources that import the library by name.
      aliases: { lib: pathToFileURL(join(out, 'src', 'value.js')).href, 'lib/kind': pathToFileURL(join(out, 'src', 'kind.js')).href },
    });
    expect(existsSync(join(out, 'cli', 'lazy.js'))).toBe(true);

    write('src/value.ts', "import { Kind, type Shape } from './kind.ts';\nexport const shape: Shape = { kind: Kind.Deployment };\nexport const version: number = 2;\n");
    write('cli/main.ts', "import { version } from '../src/value.ts';\nexport async function main(): Promise<unknown> {\n  return { version };\n}\n");
    rmSync(join(root, 'cli', 'lazy.ts'));
    const second = run();
    expect(second.stderr).toBe('');
    expect(JSON.parse(second.stdout)).toMatchObject({ version: 2 });
    // A removed source's compiled file goes too.
    expect(existsSync(join(out, 'cli', 'lazy.js'))).toBe(false);
  });
});
