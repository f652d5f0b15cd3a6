// The package as a user gets it: `npm pack` of this repository, installed from the tarball into
// folders outside it. `strata init` scaffolds a repository there that compiles, validates and
// checks (Node, and Deno with byte-identical output); `strata install --export` passes a
// server-side dry-run; `strata install` and `strata agent` from the installed package reconcile
// that repository from the test Git server.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, lstatSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { listFiles } from '../../src/compiler/index.ts';
import { KubeClient } from '../../src/kube/index.ts';
import type { KubeObject } from '../../src/manifest/index.ts';
import { SyncClient } from '../../src/reconciler/sync-client.ts';
import { generateIdentity } from '../../src/secrets/index.ts';
import { createTestNamespace, eventually, type TestNamespace } from '../cluster/index.ts';
import { testCluster, testKubeConfig } from '../cluster/context.ts';
import { REPO } from '../compiler/_project.ts';
import { startGitServer, type GitServer } from '../git/git-server.ts';
import { filesOf } from '../images/_fixture.ts';

interface Run {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

const work = mkdtempSync(join(tmpdir(), 'strata-package-'));
const tool = join(work, 'tool');
const project = join(work, 'infrastructure');
let tarball = '';

/** A command run outside the repository: no NODE_OPTIONS or loader of this checkout leaks in. */
function run(command: string, args: readonly string[], cwd: string, env: Record<string, string> = {}): Run {
  const { NODE_OPTIONS: _options, ...rest } = process.env;
  const result = spawnSync(command, args, { cwd, encoding: 'utf8', env: { ...rest, NO_COLOR: '1', ...env }, timeout: 600_000 });
  if (result.error) throw result.error;
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

const npm = (args: readonly string[], cwd: string): Run => run('npm', [...args, '--no-audit', '--no-fund', '--prefer-offline'], cwd);
const strataIn = (cwd: string, args: readonly string[]): Run => run(join(cwd, 'node_modules', '.bin', 'strata'), args, cwd);

beforeAll(() => {
  const packed = run('npm', ['pack', '--pack-destination', work], REPO);
  expect(packed.status, packed.stderr).toBe(0);
  tarball = join(work, packed.stdout.trim().split('\n').at(-1) ?? '');
  writeFileSync(join(work, 'package.json'), '{}\n'); // stops npm from looking further up
  run('mkdir', ['-p', tool], work);
  writeFileSync(join(tool, 'package.json'), '{ "name": "tool", "private": true }\n');
  const installed = npm(['install', tarball], tool);
  expect(installed.status, installed.stderr).toBe(0);
}, 900_000);

afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('the npm package', { timeout: 900_000 }, () => {
  it('carries compiled JavaScript with declarations, the bin and no TypeScript sources', () => {
    const listing = run('tar', ['-tzf', tarball], work).stdout.split('\n');
    expect(listing).toContain('package/dist/src/constructs/index.js');
    expect(listing).toContain('package/dist/src/constructs/index.d.ts');
    expect(listing).toContain('package/dist/src/compiler/index.d.ts');
    expect(listing).toContain('package/dist/src/ui/client.bundle.js'); // the web UI's page script, served offline
    expect(listing.filter((file) => file.startsWith('package/dist/src/constructs/imports/crds/') && file.endsWith('.yaml')).length).toBeGreaterThan(0);
    expect(listing).toContain('package/cli/bin/strata.js');
    // The Helm pin: chart renders are keyed by it, and Strata builds Helm from it when it must render.
    expect(listing).toEqual(expect.arrayContaining(['package/tools/helm/go.mod', 'package/tools/helm/go.sum']));
    expect(listing.filter((file) => file.startsWith('package/src/') || file.startsWith('package/test/'))).toEqual([]);
    const installed = join(tool, 'node_modules', 'strata-gitops');
    expect(lstatSync(installed).isSymbolicLink()).toBe(false);
    const version = strataIn(tool, ['version', '-o', 'json']);
    expect(version.status, version.stderr).toBe(0);
    expect(JSON.parse(version.stdout)).toMatchObject({ package: 'strata-gitops', installation: installed });
  });

  it('init → npm install → synth, validate, check; an edit makes check fail; Deno writes the same bytes', async () => {
    const { recipient } = await generateIdentity();
    const init = strataIn(tool, ['init', project, '--age', recipient]);
    expect(init.status, init.stderr).toBe(0);
    expect(readFileSync(join(project, '.sops.yaml'), 'utf8')).toContain(recipient);
    const again = strataIn(tool, ['init', project, '--age', recipient]);
    expect(again.status).toBe(2);
    expect(again.stderr).toContain('already exist and would be overwritten: .github/workflows/strata.yml, .gitignore, .sops.yaml, README.md');

    const installed = npm(['install', tarball], project);
    expect(installed.status, installed.stderr).toBe(0);
    const synth = strataIn(project, ['synth']);
    expect(synth.status, synth.stderr).toBe(0);
    for (const cluster of ['development', 'staging', 'production']) expect(synth.stderr + synth.stdout).toContain(`${cluster}: `);
    const validate = strataIn(project, ['validate']);
    expect(validate.status, validate.stdout + validate.stderr).toBe(0);
    const check = strataIn(project, ['check']);
    expect(check.status, check.stdout + check.stderr).toBe(0);

    const app = join(project, 'apps', 'backend-services', 'hello-api.ts');
    const source = readFileSync(app, 'utf8');
    writeFileSync(app, source.replace('settings.replicas(2)', 'settings.replicas(4)'));
    const stale = strataIn(project, ['check', 'production']);
    expect(stale.status, stale.stderr).toBe(1);
    expect(stale.stdout).toContain('-  replicas: 2');
    expect(stale.stdout).toContain('+  replicas: 4');
    writeFileSync(app, source);

    const deno = run(join(REPO, 'node_modules', '.bin', 'deno'), ['run', '-A', 'node_modules/strata-gitops/cli/bin/strata.js', 'synth', '--out', join(work, 'deno')], project);
    expect(deno.status, deno.stderr).toBe(0);
    const files = listFiles(join(project, 'deploy'));
    expect(files.length).toBeGreaterThan(20);
    expect(listFiles(join(work, 'deno'))).toEqual(files);
    for (const file of files) expect(readFileSync(join(work, 'deno', file)).equals(readFileSync(join(project, 'deploy', file))), file).toBe(true);
  });

  describe('in a cluster', () => {
    let ns: TestNamespace;
    let git: GitServer;
    let agent: ChildProcess | undefined;
    const agentLog: string[] = [];

    beforeAll(async () => {
      ns = await createTestNamespace(testKubeConfig(), 'package');
      git = await startGitServer();
    });

    afterAll(async () => {
      agent?.kill('SIGTERM');
      await git?.teardown();
      await ns?.delete();
    });

    it('install --export passes a server-side dry-run; install twice changes nothing the second time', async () => {
      const exported = strataIn(tool, ['install', '--export', '--namespace', ns.name, '--image', 'registry.example.com/strata-agent:test']);
      expect(exported.status, exported.stderr).toBe(0);
      const objects = parseAllDocuments(exported.stdout).map((document) => document.toJS() as KubeObject);
      expect(objects.map((object) => object.kind)).toEqual(expect.arrayContaining(['CustomResourceDefinition', 'Namespace', 'ClusterRole', 'ClusterRoleBinding', 'ServiceAccount', 'Deployment']));
      const deployment = objects.find((object) => object.kind === 'Deployment') as { spec: { template: { spec: { containers: { image: string }[] } } } } | undefined;
      expect(deployment?.spec.template.spec.containers[0]?.image).toBe('registry.example.com/strata-agent:test');
      const client = await KubeClient.fromKubeConfig(testKubeConfig());
      try {
        for (const object of objects) await client.apply(object, { dryRun: true, fieldManager: 'strata-package-test' });
      } finally {
        client.close();
      }

      const kubeconfig = testCluster().kubeconfigPath;
      const first = strataIn(tool, ['install', '--kubeconfig', kubeconfig, '--namespace', ns.name, '--image', 'registry.example.com/strata-agent:test']);
      expect(first.status, first.stderr).toBe(0);
      expect(first.stderr).toMatch(new RegExp(`Deployment/${ns.name}/strata-agent (created|configured)`));
      const second = strataIn(tool, ['install', '--kubeconfig', kubeconfig, '--namespace', ns.name, '--image', 'registry.example.com/strata-agent:test']);
      expect(second.status, second.stderr).toBe(0);
      const actions = second.stderr.split('\n').filter((line) => line.startsWith('✔'));
      expect(actions.length).toBe(objects.length);
      expect(actions.filter((line) => !line.endsWith(' unchanged'))).toEqual([]);
    });

    it('strata agent from the installed package reconciles the new repository from the Git server', async () => {
      // The project's workloads go into this test's namespace.
      const namespaces = join(project, 'base', 'namespaces.ts');
      writeFileSync(namespaces, readFileSync(namespaces, 'utf8').replace("apps: 'apps'", `apps: '${ns.name}'`));
      const synth = strataIn(project, ['synth', 'development']);
      expect(synth.status, synth.stderr).toBe(0);
      await git.createRepo('infrastructure');
      await git.push('infrastructure', { files: filesOf(project), message: 'strata init' });

      const kubeconfig = testCluster().kubeconfigPath;
      agent = spawn(join(tool, 'node_modules', '.bin', 'strata'), ['agent', '--kubeconfig', kubeconfig, '--namespace', ns.name, '--watch-namespace', ns.name, '--port', '0', '--image-updates=false'], {
        cwd: tool,
        env: { ...process.env, NO_COLOR: '1' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      agent.stdout?.on('data', (chunk: Buffer) => agentLog.push(chunk.toString('utf8')));
      agent.stderr?.on('data', (chunk: Buffer) => agentLog.push(chunk.toString('utf8')));

      const syncs = new SyncClient(testKubeConfig());
      await syncs.create({
        metadata: { name: 'development', namespace: ns.name },
        spec: { url: git.httpUrl('infrastructure'), ref: { branch: 'main' }, path: 'deploy/development', interval: '1h' },
      });
      const ready = await eventually(
        async () => {
          const sync = await syncs.get(ns.name, 'development');
          return sync?.status?.conditions?.find((condition) => condition.type === 'Ready' && condition.status === 'True') ? sync : undefined;
        },
        { timeoutMs: 120_000, what: `Sync development Ready; agent log:\n${agentLog.join('')}` },
      );
      expect(ready.status?.lastAppliedRevision).toMatch(/^main@sha1:[0-9a-f]{40}$/);
      const client = await KubeClient.fromKubeConfig(testKubeConfig());
      try {
        const deployment = await client.get({ group: 'apps', version: 'v1', kind: 'Deployment', namespace: ns.name, name: 'hello-api' });
        expect(deployment?.metadata.labels?.['example.com/environment']).toBe('development');
      } finally {
        client.close();
      }
    });
  });
});
