// A repository on the test Git server seeded with this project's sources (what a team's
// infrastructure repository holds) and their compiled deploy/<cluster>/, and the helpers the
// bootstrap and disaster-recovery tests share: an in-process agent and a comparison of live
// objects with the compiled output. (The operators' CRDs come with their charts in deploy/.)
import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { KubeConfig } from '@kubernetes/client-node';
import { pino } from 'pino';
import { compile, syncDirectory } from '../../src/compiler/index.ts';
import { ManifestSet, parseManifestFiles, type ManifestIndex } from '../../src/manifest/index.ts';
import { startAgent, type AgentHandle } from '../../src/agent/agent.ts';
import { KubeClient } from '../../src/kube/client.ts';
import { GIT_ENV } from './_repo.ts';

const execFileAsync = promisify(execFile);
export const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** A scratch folder under <repo>/tmp/ (git-ignored), where vitest loads TypeScript like the repository's own. */
export function scratchDir(prefix: string): string {
  mkdirSync(join(REPO, 'tmp'), { recursive: true });
  return mkdtempSync(join(REPO, 'tmp', `${prefix}-`));
}

export async function gitIn(dir: string, ...args: string[]): Promise<string> {
  const { stdout } = await execFileAsync('git', ['-c', 'commit.gpgsign=false', ...args], { cwd: dir, env: { ...process.env, ...GIT_ENV }, maxBuffer: 64 * 1024 * 1024 });
  return stdout.trim();
}

/**
 * Pushes this project's sources (tracked and new files of src/, base/, apps/, clusters/, charts/,
 * tools/helm/ (the Helm pin the chart renders are keyed by) and
 * the project files) to `pushUrl` as one commit, then their compiled `deploy/<cluster>/` as a
 * second, like `strata commit` would. Returns the head.
 */
export async function seedRepository(pushUrl: string, cluster: string): Promise<string> {
  const dir = scratchDir('seed');
  try {
    const files = (await gitIn(REPO, 'ls-files', '--cached', '--others', '--exclude-standard', '--', 'src', 'base', 'apps', 'clusters', 'charts', 'tools/helm', 'package.json', 'tsconfig.json', '.gitignore'))
      .split('\n')
      .filter(Boolean);
    for (const file of files) {
      try {
        cpSync(join(REPO, file), join(dir, file));
      } catch {
        // deleted in the work tree meanwhile
      }
    }
    await gitIn(dir, 'init', '--quiet', '--initial-branch=main');
    await gitIn(dir, 'add', '--all');
    await gitIn(dir, 'commit', '--quiet', '-m', 'Infrastructure sources');
    const source = await gitIn(dir, 'rev-parse', 'HEAD');
    symlinkSync(join(REPO, 'node_modules'), join(dir, 'node_modules'), 'dir');
    const [compiled] = await compile({ root: dir, clusters: [cluster], typecheck: false, cache: false });
    if (!compiled) throw new Error('nothing compiled');
    await syncDirectory(join(dir, 'deploy', cluster), compiled.files);
    await gitIn(dir, 'add', '--', `deploy/${cluster}`);
    await gitIn(dir, 'commit', '--quiet', '-m', `deploy: compile ${source.slice(0, 12)}\n\nSource-Commit: ${source}\n`);
    await gitIn(dir, 'push', '--quiet', pushUrl, 'HEAD:refs/heads/main');
    return await gitIn(dir, 'rev-parse', 'HEAD');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The compiled output of `deploy/<cluster>/` at the branch head, read back from the repository (every unit's folder, for a cluster compiled into units). */
export async function compiledOutput(cloneUrl: string, cluster: string): Promise<ManifestSet> {
  const dir = scratchDir('read');
  try {
    await gitIn(dir, 'clone', '--quiet', '--depth=1', cloneUrl, 'repo');
    const folder = join(dir, 'repo', 'deploy', cluster);
    const folders = existsSync(join(folder, 'index.json'))
      ? [folder]
      : readdirSync(folder, { withFileTypes: true })
          .filter((entry) => entry.isDirectory() && existsSync(join(folder, entry.name, 'index.json')))
          .map((entry) => join(folder, entry.name));
    const entries = folders.flatMap((unit) => {
      const index = JSON.parse(readFileSync(join(unit, 'index.json'), 'utf8')) as ManifestIndex;
      const set = parseManifestFiles([
        { path: 'index.json', text: readFileSync(join(unit, 'index.json'), 'utf8') },
        ...index.objects.map((entry) => ({ path: entry.file, text: readFileSync(join(unit, entry.file), 'utf8') })),
      ]);
      return set.entries.map(({ object }) => ({ object }));
    });
    return ManifestSet.of(entries);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The agent in this process, as the Deployment would run it (same namespace and applier identity). */
export async function inProcessAgent(kc: KubeConfig): Promise<AgentHandle> {
  return startAgent({
    kubeconfig: kc,
    namespace: 'strata-system',
    defaultServiceAccount: 'strata-system/strata-applier',
    leaderElection: false,
    port: 0,
    host: '127.0.0.1',
    jitter: 0,
    logger: pino({ level: process.env['STRATA_AGENT_LOG'] ?? 'silent' }),
  });
}

/**
 * Every object of `set` compared with the live one: each field the compiled object sets must
 * be live with the same value (the API server adds defaults and our owner labels beside them).
 * Returns one line per difference; empty when the cluster is as compiled.
 */
export async function differencesFromLive(kc: KubeConfig, set: ManifestSet): Promise<string[]> {
  const client = await KubeClient.fromKubeConfig(kc);
  try {
    const differences: string[] = [];
    await Promise.all(
      set.entries.map(async (entry) => {
        const live = await client.get(entry.ref).catch((error: unknown) => error as Error);
        const name = `${entry.ref.kind}/${entry.ref.namespace ? `${entry.ref.namespace}/` : ''}${entry.ref.name}`;
        if (live instanceof Error) differences.push(`${name}: ${live.message}`);
        else if (live === undefined) differences.push(`${name}: missing`);
        else for (const path of subsetDifferences(entry.object, live, '')) differences.push(`${name}: ${path}`);
      }),
    );
    return differences.sort();
  } finally {
    client.close();
  }
}

function subsetDifferences(expected: unknown, actual: unknown, path: string): string[] {
  if (Array.isArray(expected)) {
    if (actual === undefined && expected.length === 0) return [];
    if (!Array.isArray(actual) || actual.length !== expected.length) return [`${path || '.'}: expected ${JSON.stringify(expected)}, live ${JSON.stringify(actual)}`];
    return expected.flatMap((item, index) => subsetDifferences(item, actual[index], `${path}[${index}]`));
  }
  if (expected !== null && typeof expected === 'object') {
    if (actual === null || typeof actual !== 'object' || Array.isArray(actual)) return [`${path || '.'}: expected an object, live ${JSON.stringify(actual)}`];
    return Object.entries(expected).flatMap(([key, value]) => subsetDifferences(value, (actual as Record<string, unknown>)[key], `${path}.${key}`));
  }
  if (expected === actual || String(expected) === String(actual)) return [];
  // The API server leaves out zero values (Go's omitempty), e.g. a printer column's `priority: 0`.
  if (actual === undefined && (expected === 0 || expected === false || expected === '')) return [];
  return [`${path}: expected ${JSON.stringify(expected)}, live ${JSON.stringify(actual)}`];
}

/**
 * Plays the cloud's load balancer, which the harness does not run, until stopped: it gives each
 * `LoadBalancer` Service an address. (It cannot play cert-manager: marking a ClusterIssuer Ready
 * is a write cert-manager's own validating webhook must admit, with `failurePolicy: Fail`, and
 * nothing answers behind that webhook here.)
 */
export function operatorStandIns(kc: KubeConfig): { stop(): Promise<void> } {
  type Listed = { items?: { metadata: { name: string; namespace?: string }; spec?: { type?: string }; status?: { loadBalancer?: { ingress?: unknown[] } } }[] };
  let running = true;
  const loop = (async () => {
    const client = await KubeClient.fromKubeConfig(kc);
    const merge = { contentType: 'application/merge-patch+json' };
    try {
      while (running) {
        const services = (await client.request('GET', '/api/v1/services').catch(() => undefined)) as Listed | undefined;
        for (const service of services?.items ?? []) {
          if (service.spec?.type !== 'LoadBalancer' || (service.status?.loadBalancer?.ingress ?? []).length > 0) continue;
          await client.request('PATCH', `/api/v1/namespaces/${service.metadata.namespace}/services/${service.metadata.name}/status`, { status: { loadBalancer: { ingress: [{ ip: '203.0.113.10' }] } } }, merge).catch(() => undefined);
        }
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
    } finally {
      client.close();
    }
  })();
  return {
    async stop() {
      running = false;
      await loop.catch(() => undefined);
    },
  };
}
