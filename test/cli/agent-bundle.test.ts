// The agent bundle of `npm run build:agent` (the image's entry), built into a folder with no
// node_modules above it, so it must run on its own: its help wraps at word boundaries (yargs's
// CommonJS build; the ES module build breaks words, yargs#2112) and a failing start exits 2.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO } from '../compiler/_project.ts';

let dir: string;
let bundle: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'strata-agent-bundle-'));
  bundle = join(dir, 'strata-agent.mjs');
  const script = (JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts['build:agent'] ?? '';
  expect(script).toContain('--outfile=dist/strata-agent.mjs');
  execFileSync('sh', ['-c', script.replace('--outfile=dist/strata-agent.mjs', `--outfile=${bundle}`)], {
    cwd: REPO,
    env: { ...process.env, PATH: `${join(REPO, 'node_modules', '.bin')}:${process.env.PATH ?? ''}` },
  });
}, 120_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const run = (args: readonly string[]) => spawnSync(process.execPath, [bundle, ...args], { cwd: dir, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' }, timeout: 60_000 });

describe('the agent bundle (npm run build:agent)', () => {
  it('prints `agent --help` with every description whole: lines break between words', () => {
    const help = run(['agent', '--help']);
    expect(help.stderr).toBe('');
    expect(help.status).toBe(0);
    expect(help.stdout.split('\n')[0]).toBe('strata agent');
    // Joined back into one line, a description wrapped between words reads as written; one broken
    // inside a word ("$\nKUBECONFIG", "al\nl") does not.
    const text = help.stdout.replace(/\s+/g, ' ');
    for (const description of [
      'Run the pull agent: reconcile Sync objects from Git and run ImageUpdate objects (in-cluster config, or --kubeconfig)',
      'Kubeconfig file (default: in-cluster config, then $KUBECONFIG)',
      'Reconcile Syncs of this namespace only (default: all)',
      'Run ImageUpdate objects: scan registries, update image locks, recompile and push (--image-updates=false to turn off)',
      'namespace/name to apply as when a Sync names no serviceAccountName',
    ]) {
      expect(text, help.stdout).toContain(description);
    }
  });

  it('reports a failing start once and exits 2; a usage error exits 2', () => {
    const failed = run(['agent', '--kubeconfig', join(dir, 'missing-kubeconfig'), '--port', '0']);
    expect(failed.status).toBe(2);
    expect(failed.stderr).toMatch(/^Error: ENOENT: no such file or directory, open '.*missing-kubeconfig'\n$/);
    const usage = run(['agnet']);
    expect(usage.status).toBe(2);
    expect(usage.stderr).toContain('Unknown argument: agnet');
  });
});
