// Chart test helpers: a throw-away project whose cluster renders HelmCharts, the fixture
// chart (fixtures/hello) copied or packaged at a version, and a real Helm chart repository
// (index.yaml + archives over HTTP) on 127.0.0.1.
import { cpSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { spawn, type ChildProcess } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runHelm } from '../../src/charts/index.ts';
import { freePorts, isListening } from '../cluster/ports.ts';
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

/**
 * A Helm chart repository: a folder of archives and its index.yaml (`helm repo index`), served
 * over HTTP on 127.0.0.1 by a separate Node process (the CLI and Helm are run synchronously
 * from the test process, whose own event loop could not answer them meanwhile).
 */
export class ChartRepository {
  readonly dir = mkdtempSync(join(tmpdir(), 'strata-chart-repo-'));
  private child?: ChildProcess;
  private log = '';
  url = '';

  /** Requests served so far, e.g. `GET /index.yaml`. */
  get requests(): string[] {
    return this.log.split('\n').filter((line) => line !== '');
  }

  async start(): Promise<void> {
    const [port] = await freePorts(1);
    const child = spawn(process.execPath, ['-e', SERVER, this.dir, String(port)], { stdio: ['ignore', 'pipe', 'inherit'] });
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (this.log += chunk));
    this.child = child;
    this.url = `http://127.0.0.1:${port}`;
    for (const deadline = Date.now() + 15_000; Date.now() < deadline; await new Promise((r) => setTimeout(r, 100))) {
      if (await isListening(port!)) return;
    }
    throw new Error(`chart repository did not start on ${this.url}`);
  }

  /** Packages a chart folder into the repository and re-indexes it. */
  publish(chartDir: string): string {
    const archive = packageChart(chartDir, this.dir);
    const result = runHelm(['repo', 'index', this.dir, '--url', this.url]);
    if (result.status !== 0) throw new Error(`helm repo index: ${result.stderr}`);
    return archive;
  }

  async stop(): Promise<void> {
    const child = this.child;
    if (child === undefined || child.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    });
    this.child = undefined;
  }
}

/** The repository's server: static files of one folder, one log line per request on stdout. */
const SERVER = `
const { createServer } = require('node:http');
const { readFileSync } = require('node:fs');
const { join } = require('node:path');
const [dir, port] = process.argv.slice(1);
createServer((request, response) => {
  process.stdout.write(request.method + ' ' + request.url + '\\n');
  const name = decodeURIComponent((request.url || '/').split('?')[0].slice(1));
  if (name.includes('/') || name.startsWith('.')) return void response.writeHead(404).end();
  try {
    const body = readFileSync(join(dir, name));
    response.writeHead(200, { 'content-type': name.endsWith('.yaml') ? 'text/yaml' : 'application/gzip' }).end(body);
  } catch {
    response.writeHead(404).end();
  }
}).listen(Number(port), '127.0.0.1');
`;

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
    // Releases after the first leave the chart's CRDs out: one cluster holds each CRD once.
    `    base: [${charts.map((chart, i) => `(scope) => new HelmChart(scope, ${JSON.stringify(chart)}, { chart: ${JSON.stringify(chart)}, namespace: 'apps', includeCrds: ${i === 0}, values: ${JSON.stringify(values)} })`).join(', ')}],`,
    '  },',
    '});',
    '',
  ].join('\n');
}
