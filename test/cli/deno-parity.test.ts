import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { listFiles } from '../../src/compiler/index.ts';
import { REPO } from '../compiler/_project.ts';

// `deno run -A` of the CLI entry (Deno from the npm package `deno`) must write the same
// bytes as Node, for the example clusters. Both write into temporary folders. The example
// imports `strata-gitops` by self-reference; in a checkout, Deno needs the `strata-source`
// export condition to resolve it to the sources (the Node CLI adds it itself: src/compiler/load.ts).
mkdirSync(join(REPO, 'tmp'), { recursive: true });
const out = mkdtempSync(join(REPO, 'tmp', 'strata-deno-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

function run(command: string, args: string[]): { status: number | null; stderr: string } {
  const result = spawnSync(command, args, { cwd: REPO, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' }, timeout: 400_000 });
  if (result.error) throw result.error;
  return { status: result.status, stderr: result.stderr };
}

describe('Node and Deno', () => {
  it('write byte-identical deploy/ folders', () => {
    const node = run(process.execPath, ['cli/bin/strata.js', 'synth', '--out', join(out, 'node')]);
    expect(node.stderr).toBe('');
    expect(node.status).toBe(0);
    const denoBin = join(REPO, 'node_modules', '.bin', 'deno');
    const deno = run(denoBin, ['run', '-A', '--conditions=strata-source', 'cli/bin/strata.js', 'synth', '--out', join(out, 'deno')]);
    expect(deno.status, deno.stderr).toBe(0);
    const nodeFiles = listFiles(join(out, 'node'));
    expect(nodeFiles.length).toBeGreaterThan(0);
    expect(listFiles(join(out, 'deno'))).toEqual(nodeFiles);
    for (const file of nodeFiles) {
      expect(readFileSync(join(out, 'deno', file)).equals(readFileSync(join(out, 'node', file))), file).toBe(true);
    }
  }, 600_000);
});
