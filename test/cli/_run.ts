import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { REPO } from '../compiler/_project.ts';

export interface RunResult {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the real `strata` binary (cli/bin/strata.js) with Node, colour off. */
export function strata(args: readonly string[], options: { cwd?: string; env?: Record<string, string> } = {}): RunResult {
  const result = spawnSync(process.execPath, [join(REPO, 'cli', 'bin', 'strata.js'), ...args], {
    cwd: options.cwd ?? REPO,
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '', ...options.env },
    timeout: 240_000,
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}
