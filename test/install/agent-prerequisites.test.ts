// A cluster of its own without Strata's CRDs or namespace: `strata check --pre` reports what a
// user may do there; `strata agent` says once what is missing and which command installs it,
// stays quiet while waiting, and starts by itself once `strata install` has run.
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCluster, eventually, type TestCluster } from '../cluster/index.ts';
import { REPO } from '../compiler/_project.ts';
import { strata } from '../cli/_run.ts';

let cluster: TestCluster;
let agent: ChildProcess | undefined;
const lines: string[] = [];

beforeAll(async () => {
  cluster = await startCluster({ workloads: false });
}, 120_000);

afterAll(async () => {
  agent?.kill('SIGTERM');
  await cluster?.stop();
});

const messages = (): { msg: string; event?: string }[] =>
  lines.filter((line) => line.startsWith('{')).map((line) => JSON.parse(line) as { msg: string; event?: string });

describe('a cluster without Strata', { timeout: 180_000 }, () => {
  it('check --pre: the Kubernetes version, rights, git and absent CRDs; a user without rights fails', () => {
    const admin = strata(['check', '--pre', '--kubeconfig', cluster.kubeconfigPath]);
    expect(admin.stderr).toBe('');
    expect(admin.status).toBe(0);
    const text = admin.stdout.trim().split('\n');
    expect(text).toHaveLength(4);
    expect(text[0]).toMatch(/^✔ Kubernetes v1\.\d+\.\d+ at https:\/\/127\.0\.0\.1:\d+$/);
    expect(text[1]).toBe('✔ rights to install the agent into strata-system');
    expect(text[2]).toMatch(/^✔ git version \d/);
    expect(text[3]).toBe('✔ CRDs not installed yet: syncs.strata.dev, imageupdates.strata.dev (strata install or strata bootstrap installs them)');

    const alice = strata(['check', '--pre', '--kubeconfig', cluster.kubeconfigPath, '--context', 'alice', '-o', 'json']);
    expect(alice.status).toBe(1);
    const report = JSON.parse(alice.stdout) as { ok: boolean; checks: { name: string; ok: boolean; message: string }[] };
    expect(report.ok).toBe(false);
    const rights = report.checks.find((check) => check.name === 'rights');
    expect(rights?.ok).toBe(false);
    expect(rights?.message).toMatch(/^missing rights to install the agent: may not /);
    expect(rights?.message).toContain(', create customresourcedefinitions.apiextensions.k8s.io, ');
  });

  it('strata agent names what is missing once, waits quietly, and starts after strata install', async () => {
    agent = spawn(process.execPath, [join(REPO, 'cli', 'bin', 'strata.js'), 'agent', '--kubeconfig', cluster.kubeconfigPath, '--port', '0', '--image-updates=false'], {
      cwd: REPO,
      env: { ...process.env, NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let pending = '';
    const collect = (chunk: Buffer): void => {
      pending += chunk.toString('utf8');
      const parts = pending.split('\n');
      pending = parts.pop() ?? '';
      lines.push(...parts);
    };
    agent.stdout?.on('data', collect);
    agent.stderr?.on('data', collect);

    const hint = 'namespace "strata-system" and CRD syncs.strata.dev not found in the cluster: `strata install` installs the agent\'s CRDs, namespace and RBAC (waiting for them quietly)';
    await eventually(async () => messages().some((m) => m.msg === hint), { timeoutMs: 60_000, what: `the hint, in: ${lines.join('\n')}` });
    // The agent looks again at 250 ms, 0.5, 1, 2, 4 s: still the one line, nothing else new.
    const seen = lines.length;
    await new Promise((resolve) => setTimeout(resolve, 8_000));
    expect(lines.slice(seen)).toEqual([]);
    expect(messages().filter((m) => m.event === 'prerequisites-missing')).toHaveLength(1);

    const install = strata(['install', '--kubeconfig', cluster.kubeconfigPath, '--image', 'strata/agent:test']);
    expect(install.stderr).toContain('CustomResourceDefinition/syncs.strata.dev created');
    expect(install.status).toBe(0);
    await eventually(async () => messages().some((m) => m.event === 'leading'), { timeoutMs: 60_000, what: `the agent leads, in: ${lines.join('\n')}` });
    expect(messages().some((m) => m.event === 'prerequisites-found')).toBe(true);
    expect(messages().filter((m) => m.event === 'lease-error')).toEqual([]);
  });
});
