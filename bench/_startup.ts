// Table (e) of `bench:synth`: where a cold `strata synth` of the example spends its CPU before and
// around the work, as import timings. A fresh Node process runs the steps of `strata synth` one
// after another, as the checkout's strata command runs them (compiled JavaScript, no module hook),
// and reads process.cpuUsage() (all threads) after each: each step's figure is what it added.
// The type-check, a process of its own, is timed apart (native TypeScript, no build info).
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

/** Step → CPU milliseconds, in the order run. */
export type Breakdown = ReadonlyMap<string, number>;

function script(repo: string, root: string): string {
  const checkout = pathToFileURL(join(repo, 'cli', 'bin', '_checkout.js')).href;
  return `
import { createRequire } from 'node:module';
const cpu = () => { const { user, system } = process.cpuUsage(); return (user + system) / 1000; };
const steps = [['node start-up (to the first line of the bin)', cpu()]];
let last = steps[0][1];
const step = async (name, fn) => { const value = await fn(); const now = cpu(); steps.push([name, now - last]); last = now; return value; };
const main = await step('checkout: sources up to date (stat of cli/ and src/)', async () => (await import(${JSON.stringify(checkout)})).checkoutMain());
const js = (path) => new URL('../' + path, main).href;
await step('yargs', () => createRequire(import.meta.url)('yargs/yargs'));
await step('cli/main + the command table', () => import(main));
const { synth } = await step('synth command, src/compiler/synth (type-check, fingerprint, output cache)', async () => { await import(js('cli/commands/synth.js')); return import(js('src/compiler/synth.js')); });
await step('compile: manifest set, YAML, name and Secret checks, the loader', () => import(js('src/compiler/compile.js')));
await step('cdk8s (and constructs, yaml, follow-redirects)', () => createRequire(import.meta.url)('cdk8s'));
await step('cdk8s-plus-28 lib/imports/k8s.js (the k8s L1 classes)', () => createRequire(import.meta.url)('cdk8s-plus-28/lib/imports/k8s.js'));
await step('cdk8s-plus-28 index (its L2 constructs)', () => createRequire(import.meta.url)('cdk8s-plus-28'));
await step('generated CRD classes (src/constructs/imports/, 2 files)', async () => { await import(js('src/constructs/imports/flagger.app.js')); await import(js('src/constructs/imports/monitoring.coreos.com.js')); });
await step('the construct library (src/constructs/index)', () => import(js('src/constructs/index.js')));
const result = await step('synth: cluster sources compiled and imported, synthesis, files written (3 clusters)', () => synth({ root: ${JSON.stringify(root)}, typecheck: false, cache: false }));
if (result.clusters.length !== 3) throw new Error('expected 3 clusters');
console.log(JSON.stringify(steps));
`;
}

/** Median over `runs` fresh processes of each step's CPU time; the example is compiled into `out` (its deploy/ is not touched). */
export function startupBreakdown(repo: string, exampleRoot: string, runs: number): Breakdown {
  const all: [string, number][][] = [];
  for (let run = 0; run < runs; run += 1) {
    rmSync(join(exampleRoot, '.cache'), { recursive: true, force: true });
    const result = spawnSync(process.execPath, ['--input-type=module', '-e', script(repo, exampleRoot)], { cwd: repo, encoding: 'utf8' });
    const line = result.stdout.trim().split('\n').pop() ?? '';
    if (result.status !== 0 || !line.startsWith('[')) throw new Error(`start-up breakdown failed (${result.status}):\n${result.stderr}`);
    all.push(JSON.parse(line) as [string, number][]);
  }
  const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
  return new Map(all[0]!.map(([name], index) => [name, median(all.map((steps) => steps[index]![1]))]));
}
