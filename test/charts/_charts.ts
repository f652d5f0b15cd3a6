// Chart test helpers: a throw-away project whose cluster renders HelmCharts, the fixture
// chart (fixtures/hello) copied or packaged at a version, and a real Helm chart repository
// (index.yaml + archives over HTTP) on 127.0.0.1.
import { cpSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runHelm } from '../../src/charts/index.ts';
import { FixtureProject } from '../compiler/_project.ts';

export const HELLO = join(import.meta.dirname, 'fixtures', 'hello');

/** Each test file renders into its own cache, so "cached" means cached by this file. */
export function isolateRenderCache(): string {
  const dir = mkdtempSync(join(tmpdir(), 'strata-charts-cache-'));
  process.env['STRATA_CHARTS_CACHE'] = dir;
  return dir;
}

/** A copy of the hello chart at `version`, with extra ConfigMap keys to tell versions (and `build`s) apart. */
export function helloChartAt(version: string, build?: string): string {
  const dir = join(mkdtempSync(join(tmpdir(), 'strata-hello-')), 'hello');
  cpSync(HELLO, dir, { recursive: true });
  const chartYaml = join(dir, 'Chart.yaml');
  writeFileSync(chartYaml, readFileSync(chartYaml, 'utf8').replace(/^version: .*$/m, `version: ${version}`));
  const configMap = join(dir, 'templates', 'configmap.yaml');
  const extra = `  CHART_VERSION: ${JSON.stringify(version)}\n${build === undefined ? '' : `  BUILD: ${JSON.stringify(build)}\n`}`;
  writeFileSync(configMap, `${readFileSync(configMap, 'utf8')}${extra}`);
  return dir;
}

/** `helm package` of a chart folder into `dest`; returns the archive's path. */
export function packageChart(chartDir: string, dest: string): string {
  mkdirSync(dest, { recursive: true });
  const result = runHelm(['package', chartDir, '--destination', dest]);
  if (result.status !== 0) throw new Error(`helm package ${chartDir}: ${result.stderr}`);
  const m = /saved it to: (.+)$/m.exec(result.stdout);
  if (!m) throw new Error(`helm package printed no archive: ${result.stdout}`);
  return m[1]!.trim();
}

/** A Helm chart repository: a folder of archives and its index.yaml (`helm repo index`), served over HTTP. */
export class ChartRepository {
  readonly dir = mkdtempSync(join(tmpdir(), 'strata-chart-repo-'));
  private server?: Server;
  url = '';
  /** Requests served, e.g. `GET /index.yaml`. */
  readonly requests: string[] = [];

  async start(): Promise<void> {
    const server = createServer((request, response) => {
      this.requests.push(`${request.method} ${request.url}`);
      const name = decodeURIComponent((request.url ?? '/').split('?')[0]!.slice(1));
      if (name.includes('/') || name.startsWith('.')) return void response.writeHead(404).end();
      try {
        const body = readFileSync(join(this.dir, name));
        response.writeHead(200, { 'content-type': name.endsWith('.yaml') ? 'text/yaml' : 'application/gzip' }).end(body);
      } catch {
        response.writeHead(404).end();
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    if (address === null || typeof address === 'string') throw new Error('no address');
    this.server = server;
    this.url = `http://127.0.0.1:${address.port}`;
  }

  /** Packages a chart folder into the repository and re-indexes it. */
  publish(chartDir: string): string {
    const archive = packageChart(chartDir, this.dir);
    const result = runHelm(['repo', 'index', this.dir, '--url', this.url]);
    if (result.status !== 0) throw new Error(`helm repo index: ${result.stderr}`);
    return archive;
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (server === undefined) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    this.server = undefined;
  }
}

/** A project whose cluster `name` is `body` (TypeScript), with `lock` as charts/lock.json. */
export function chartProject(clusters: Readonly<Record<string, string>>, lock: object): FixtureProject {
  const project = new FixtureProject(clusters);
  mkdirSync(project.path('charts'), { recursive: true });
  writeFileSync(project.path('charts', 'lock.json'), `${JSON.stringify(lock, null, 2)}\n`);
  return project;
}

/** The source of a cluster module rendering the hello chart under each lock name in `charts`. */
export function helloCluster(name: string, charts: readonly string[], values: object = {}): string {
  const up = '../../../../';
  return [
    `import { Cluster, Testing } from '${up}src/constructs/index.ts';`,
    `import { HelmChart } from '${up}src/charts/index.ts';`,
    '',
    'export default new Cluster({',
    `  name: ${JSON.stringify(name)},`,
    `  environment: Testing.environment({ name: ${JSON.stringify(name)} }),`,
    '  layers: {',
    `    base: [${charts.map((chart) => `(scope) => new HelmChart(scope, ${JSON.stringify(chart)}, { chart: ${JSON.stringify(chart)}, namespace: 'apps', values: ${JSON.stringify(values)} })`).join(', ')}],`,
    '  },',
    '});',
    '',
  ].join('\n');
}
