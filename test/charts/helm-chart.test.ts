// HelmChart from a chart folder vendored in the project: rendered by the pinned Helm,
// verified against charts/lock.json, Helm's semantics mapped, renders cached, values typed.
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChartDigestError, HelmChart, helmBinary, pullCharts, readChartLock, renderStats, treeDigest, withChartsRoot } from '../../src/charts/index.ts';
import { checkOutput, compile, synth } from '../../src/compiler/index.ts';
import { Testing, type ConstructValidationError } from '../../src/constructs/index.ts';
import type { KubeObject } from '../../src/manifest/index.ts';
import type { FixtureProject } from '../compiler/_project.ts';
import { HELLO, chartProject, helloCluster, isolateRenderCache } from './_charts.ts';

let project: FixtureProject;

beforeAll(async () => {
  isolateRenderCache();
  helmBinary(); // built once per machine and pin (minutes cold), before the timed tests
  project = chartProject({ dev: helloCluster('dev', ['hello'], { replicaCount: 2, greeting: 'hi' }) }, { charts: { hello: { chart: 'hello', version: '1.0.0', path: 'charts/hello' } } });
  cpSync(HELLO, project.path('charts', 'hello'), { recursive: true });
  const results = await pullCharts({ root: project.root });
  expect(results.map((r) => r.action)).toEqual(['pinned']);
}, 600_000);

afterAll(() => project?.remove());

const find = (objects: readonly KubeObject[], kind: string, name: string) => Testing.find(objects, kind, name) as Record<string, any>;

describe('HelmChart (a chart folder vendored in the project)', () => {
  it('pull pins the folder by its tree digest and generates typed values from values.schema.json', () => {
    expect(readChartLock(project.path('charts', 'lock.json')).charts.get('hello')?.digest).toBe(treeDigest(project.path('charts', 'hello')));
    const types = readFileSync(project.path('charts', 'types', 'hello.ts'), 'utf8');
    expect(types).toContain('export interface HelloValues');
    expect(types).toMatch(/replicaCount\?: number/);
    expect(types).toMatch(/greeting\?: 'hello' \| 'hi' \| 'welcome'/);
  });

  it('compiles the rendered objects like any other: release name and namespace, values, kube version, lookup empty', async () => {
    const [dev] = await compile({ root: project.root, clusters: ['dev'], typecheck: false, cache: false });
    const objects = dev!.set.entries.map((e) => e.object);
    const deployment = find(objects, 'Deployment', 'hello');
    expect(deployment.metadata.namespace).toBe('apps');
    expect(deployment.spec.replicas).toBe(2);
    const config = find(objects, 'ConfigMap', 'hello-config');
    expect(config.data).toMatchObject({ GREETING: 'hi', KUBE_VERSION: 'v1.30.0', HAS_MONITORING: 'false', LOOKUP: '{}' });
    // The CRD from crds/ is there (and sorts first on apply), cluster-scoped.
    expect(find(objects, 'CustomResourceDefinition', 'greetings.hello.strata.dev').metadata.namespace).toBeUndefined();
    // Construct paths run through the HelmChart.
    expect(dev!.set.entries.find((e) => e.object.kind === 'Deployment')?.source).toBe('dev/base/hello/Deployment-hello');
  });

  it("maps Helm's semantics: hooks, resource-policy keep, test hooks dropped", () => {
    const objects = withChartsRoot(project.root, () => Testing.objects((scope) => new HelmChart(scope, 'web', { chart: 'hello', namespace: 'web' })));
    expect(find(objects, 'Job', 'web-migrate').metadata.annotations).toMatchObject({ 'strata.dev/hook': 'pre-apply', 'strata.dev/hook-delete-policy': 'before-creation,succeeded', 'helm.sh/hook': 'pre-install,pre-upgrade' });
    expect(find(objects, 'PersistentVolumeClaim', 'web-data').metadata.annotations['strata.dev/prune']).toBe('disabled');
    expect(objects.filter((o) => o.kind === 'Pod')).toEqual([]);
    expect(objects.map((o) => `${o.kind}/${o.metadata.name}`).sort()).toEqual(
      ['ConfigMap/web-config', 'CustomResourceDefinition/greetings.hello.strata.dev', 'Deployment/web', 'Job/web-migrate', 'PersistentVolumeClaim/web-data', 'Service/web'].sort(),
    );
  });

  it('passes the kube version and API versions to .Capabilities', () => {
    const objects = withChartsRoot(project.root, () =>
      Testing.objects((scope) => new HelmChart(scope, 'caps', { chart: 'hello', kubeVersion: '1.34.2', apiVersions: ['monitoring.coreos.com/v1'] })),
    );
    expect(find(objects, 'ConfigMap', 'caps-config').data).toMatchObject({ KUBE_VERSION: 'v1.34.2', HAS_MONITORING: 'true' });
    expect(find(objects, 'Deployment', 'caps').metadata.namespace).toBe('default');
  });

  it('renders unchanged chart + values once: the second construct comes from the render cache', () => {
    const build = (replicaCount: number) =>
      withChartsRoot(project.root, () => {
        let chart: HelmChart | undefined;
        Testing.objects((scope) => (chart = new HelmChart(scope, 'cached', { chart: 'hello', values: { replicaCount } })));
        return chart!;
      });
    const before = renderStats().rendered;
    expect(build(3).cached).toBe(false);
    expect(build(3).cached).toBe(true);
    expect(build(4).cached).toBe(false);
    expect(renderStats().rendered - before).toBe(2);
  });

  it('refuses a vendored chart whose bytes differ from the lock, naming the chart', async () => {
    const file = project.path('charts', 'hello', 'values.yaml');
    const original = readFileSync(file, 'utf8');
    writeFileSync(file, original.replace('greeting: hello', 'greeting: welcome'));
    try {
      try {
        withChartsRoot(project.root, () => Testing.objects((scope) => new HelmChart(scope, 'x', { chart: 'hello' })));
        expect.unreachable();
      } catch (error) {
        expect((error as ConstructValidationError).problems[0]?.cause).toBeInstanceOf(ChartDigestError);
      }
      await expect(compile({ root: project.root, clusters: ['dev'], typecheck: false, cache: false })).rejects.toThrow(/chart hello: charts\/hello has digest sha256:[0-9a-f]{64}, the lock pins sha256:/);
    } finally {
      writeFileSync(file, original);
    }
  });

  it('names the lock and the chart when a construct asks for a chart the lock does not have', () => {
    expect(() => withChartsRoot(project.root, () => Testing.objects((scope) => new HelmChart(scope, 'x', { chart: 'nginx' })))).toThrow(/charts\/lock.json: no chart "nginx" \(locked: hello\)/);
  });
});

describe('committed renders (charts/renders/)', () => {
  const renders = () => project.path('charts', 'renders');
  const files = () => (existsSync(renders()) ? readdirSync(renders()).sort() : []);

  it('synth commits each render it used; then a machine without Helm, Go or caches compiles the same', async () => {
    rmSync(renders(), { recursive: true, force: true });
    const first = await synth({ root: project.root, typecheck: false, cache: false });
    expect(first.renders.written).toHaveLength(1);
    expect(files()).toEqual(first.renders.written);
    const stored = JSON.parse(gunzipSync(readFileSync(join(renders(), files()[0]!))).toString('utf8')) as { chart: string; version: string; objects: unknown[] };
    expect(stored).toMatchObject({ chart: 'hello', version: '1.0.0', releaseName: 'hello', namespace: 'apps' });
    const deployment = readFileSync(project.path('deploy', 'dev', 'apps', 'deployment-hello.yaml'), 'utf8');

    // A fresh clone: no built Helm, no Go on PATH, empty caches. Nothing renders; nothing is missing.
    const empty = mkdtempSync(join(tmpdir(), 'strata-fresh-'));
    const saved = { tools: process.env['STRATA_TOOLS_CACHE'], charts: process.env['STRATA_CHARTS_CACHE'], path: process.env['PATH'] };
    Object.assign(process.env, { STRATA_TOOLS_CACHE: join(empty, 'tools'), STRATA_CHARTS_CACHE: join(empty, 'charts'), PATH: '/nonexistent' });
    const before = renderStats();
    const counts = { rendered: before.rendered, committed: before.committed };
    try {
      rmSync(project.path('deploy'), { recursive: true, force: true });
      const fresh = await synth({ root: project.root, typecheck: false, cache: false });
      expect(fresh.renders).toEqual({ written: [], removed: [] });
      expect(renderStats().rendered).toBe(counts.rendered);
      expect(renderStats().committed).toBe(counts.committed + 1);
      expect(readFileSync(project.path('deploy', 'dev', 'apps', 'deployment-hello.yaml'), 'utf8')).toBe(deployment);
    } finally {
      Object.assign(process.env, { STRATA_TOOLS_CACHE: saved.tools, STRATA_CHARTS_CACHE: saved.charts, PATH: saved.path });
      if (saved.tools === undefined) delete process.env['STRATA_TOOLS_CACHE'];
      rmSync(empty, { recursive: true, force: true });
    }
  });

  it('check renders with Helm and reports a hand-edited, a missing and an unused render as stale', async () => {
    await synth({ root: project.root, typecheck: false, cache: false });
    expect((await checkOutput({ root: project.root, typecheck: false, cache: false })).upToDate).toBe(true);
    const [name] = files();
    const file = join(renders(), name!);
    const original = readFileSync(file);

    // Edited by hand (replicas 9): check renders with Helm and says the committed render is not that.
    writeFileSync(file, gzipSync(Buffer.from(gunzipSync(original).toString('utf8').replace('"replicas": 2', '"replicas": 9'))));
    const edited = await checkOutput({ root: project.root, typecheck: false, cache: false });
    expect(edited.upToDate).toBe(false);
    expect(edited.renders.map((d) => `${d.change} ${d.file}`)).toEqual([`modified charts/renders/${name}`]);
    expect(edited.renders[0]?.diff).toContain('differs from what Helm renders for chart hello 1.0.0 (release hello)');

    rmSync(file);
    const missing = await checkOutput({ root: project.root, typecheck: false, cache: false });
    expect(missing.renders.map((d) => d.change)).toEqual(['added']);

    writeFileSync(file, original);
    writeFileSync(join(renders(), `${'0'.repeat(64)}.json.gz`), original);
    const unused = await checkOutput({ root: project.root, typecheck: false, cache: false });
    expect(unused.renders.map((d) => `${d.change} ${d.file}`)).toEqual([`removed charts/renders/${'0'.repeat(64)}.json.gz`]);
    // synth of every cluster removes it again.
    expect((await synth({ root: project.root, typecheck: false, cache: false })).renders.removed).toEqual([`${'0'.repeat(64)}.json.gz`]);
    expect((await checkOutput({ root: project.root, typecheck: false, cache: false })).upToDate).toBe(true);
  });
});
