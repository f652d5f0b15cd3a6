// Charts from a real Helm chart repository (index.yaml over HTTP on 127.0.0.1) and from the
// real OCI registry (test/registry, the chart pushed by `helm push`): pull pins the digest the
// source lists, a different digest is refused, synth works with both sources gone, an update
// moves the lock and `strata check` reports the stale output until `strata synth`.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChartDigestError, fileDigest, helmBinary, pullCharts, readChartLock, runHelm, updateCharts } from '../../src/charts/index.ts';
import { compile } from '../../src/compiler/index.ts';
import { strata } from '../cli/_run.ts';
import type { FixtureProject } from '../compiler/_project.ts';
import { startRegistry, type TestRegistry } from '../registry/registry.ts';
import { ChartRepository, chartProject, helloChartAt, helloCluster, isolateRenderCache, packageChart } from './_charts.ts';

let repo: ChartRepository;
let registry: TestRegistry;
let project: FixtureProject;
let dockerConfig: string;
let ociArchive: string;

beforeAll(async () => {
  isolateRenderCache();
  helmBinary(); // built once per machine and pin (minutes cold), before the timed tests
  repo = new ChartRepository();
  await repo.start();
  repo.publish(helloChartAt('1.0.0'));
  registry = await startRegistry();
  // Registry logins come from the Docker config, as for `strata images`.
  dockerConfig = mkdtempSync(join(tmpdir(), 'strata-docker-'));
  writeFileSync(join(dockerConfig, 'config.json'), JSON.stringify({ auths: { [registry.host]: { auth: Buffer.from(`${registry.username}:${registry.password}`).toString('base64') } } }));
  process.env['DOCKER_CONFIG'] = dockerConfig;
  ociArchive = packageChart(helloChartAt('2.0.0'), mkdtempSync(join(tmpdir(), 'strata-oci-')));
  const pushed = runHelm(['push', ociArchive, `oci://${registry.host}/charts`, '--plain-http'], { env: { HELM_REGISTRY_CONFIG: join(dockerConfig, 'config.json') } });
  expect(pushed.status, pushed.stderr).toBe(0);
  project = chartProject(
    { dev: helloCluster('dev', ['web', 'api']) },
    { charts: { web: { chart: 'hello', repository: repo.url, range: '^1.0.0' }, api: { chart: 'hello', repository: `oci://${registry.host}/charts`, version: '2.0.0' } } },
  );
}, 600_000);

afterAll(async () => {
  await repo?.stop();
  await registry?.stop();
  project?.remove();
  if (dockerConfig) rmSync(dockerConfig, { recursive: true, force: true });
});

const lock = () => readChartLock(project.path('charts', 'lock.json')).charts;

describe('charts from an HTTP chart repository and an OCI registry', () => {
  it('strata charts pull fetches both and pins the digests the sources list', () => {
    const run = strata(['charts', 'pull', '--root', project.root, '-o', 'json'], { env: { DOCKER_CONFIG: dockerConfig, STRATA_CHARTS_CACHE: process.env['STRATA_CHARTS_CACHE']! } });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect((JSON.parse(run.stdout) as { charts: { name: string; action: string }[] }).charts.map((c) => `${c.name} ${c.action}`)).toEqual(['api pulled', 'web pulled']);
    const index = parse(readFileSync(join(repo.dir, 'index.yaml'), 'utf8')) as { entries: { hello: { version: string; digest: string }[] } };
    expect(lock().get('web')).toMatchObject({ version: '1.0.0', path: 'charts/hello-1.0.0.tgz', digest: `sha256:${index.entries.hello[0]!.digest}` });
    expect(lock().get('api')).toMatchObject({ version: '2.0.0', path: 'charts/hello-2.0.0.tgz', digest: fileDigest(ociArchive) });
    expect(readFileSync(project.path('charts', 'types', 'web.ts'), 'utf8')).toContain('export interface WebValues');
  });

  it('synth uses neither source: both stopped, the cluster still compiles from the vendored archives', async () => {
    await repo.stop();
    const requests = repo.requests.length;
    const stopped = registry;
    try {
      await stopped.stop();
      const [dev] = await compile({ root: project.root, clusters: ['dev'], typecheck: false, cache: false });
      const versions = dev!.set.entries.filter((e) => e.object.kind === 'ConfigMap').map((e) => (e.object as unknown as { data: Record<string, string> }).data['CHART_VERSION']);
      expect(versions.sort()).toEqual(['1.0.0', '2.0.0']);
      expect(repo.requests.length).toBe(requests);
    } finally {
      await repo.start();
      // Same version, other bytes: what a repository that re-released 1.0.0 would serve.
      repo.publish(helloChartAt('1.0.0', 'rebuilt'));
      registry = await startRegistry();
      writeFileSync(join(dockerConfig, 'config.json'), JSON.stringify({ auths: { [registry.host]: { auth: Buffer.from(`${registry.username}:${registry.password}`).toString('base64') } } }));
    }
  });

  it('refuses an archive whose digest differs from the pinned one, naming the chart', async () => {
    // The repository (restarted on another port) now serves a re-released 1.0.0.
    const pinned = lock().get('web')!;
    writeFileSync(project.path('charts', 'lock.json'), readFileSync(project.path('charts', 'lock.json'), 'utf8').replace(JSON.stringify(pinned.repository), JSON.stringify(repo.url)));
    rmSync(project.path(pinned.path!));
    await expect(pullCharts({ root: project.root, charts: ['web'] })).rejects.toThrow(ChartDigestError);
    await expect(pullCharts({ root: project.root, charts: ['web'] })).rejects.toThrow(/chart web: .* has digest sha256:[0-9a-f]{64}, the lock pins sha256:/);
    expect(existsSync(project.path(pinned.path!))).toBe(false);
    expect(lock().get('web')?.digest).toBe(pinned.digest);
  });

  it('an upgrade within the range rewrites the lock; strata check reports the stale output until synth', async () => {
    // Start over from the archive the repository serves now.
    const entry = lock().get('web')!;
    writeFileSync(project.path('charts', 'lock.json'), readFileSync(project.path('charts', 'lock.json'), 'utf8').replace(entry.digest!, fileDigest(join(repo.dir, 'hello-1.0.0.tgz'))));
    await pullCharts({ root: project.root, charts: ['web'] });
    const env = { STRATA_CHARTS_CACHE: process.env['STRATA_CHARTS_CACHE']! };
    expect(strata(['synth', '--root', project.root, '--no-typecheck'], { env }).status).toBe(0);
    expect(strata(['check', '--root', project.root, '--no-typecheck'], { env }).status).toBe(0);
    repo.publish(helloChartAt('1.1.0'));
    repo.publish(helloChartAt('2.5.0'));
    const changes = await updateCharts({ root: project.root, charts: ['web'] });
    expect(changes).toEqual([{ name: 'web', from: '1.0.0', to: '1.1.0' }]);
    expect(lock().get('web')).toMatchObject({ version: '1.1.0', range: '^1.0.0', path: 'charts/hello-1.1.0.tgz', digest: fileDigest(join(repo.dir, 'hello-1.1.0.tgz')) });
    expect(existsSync(project.path('charts', 'hello-1.0.0.tgz'))).toBe(false);
    const check = strata(['check', '--root', project.root, '--no-typecheck'], { env });
    expect(check.status).toBe(1);
    expect(check.stdout + check.stderr).toMatch(/CHART_VERSION: ["']?1\.1\.0/);
    expect(strata(['synth', '--root', project.root, '--no-typecheck'], { env }).status).toBe(0);
    expect(strata(['check', '--root', project.root, '--no-typecheck'], { env }).status).toBe(0);
  }, 300_000);
});
