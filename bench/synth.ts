// `npm run bench:synth`: Strata's compiler against stock cdk8s and kustomize on a generated
// fleet (archetype apps; see src/constructs/fleet.ts), at 1k, 5k and 10k objects per
// environment. Each measurement runs in its own process; time is measured inside it
// (start-up excluded) and peak memory is that process's max RSS. A benchmark, not a test.
//
// Table (d) times whole processes instead: `strata synth` against `cdk8s synth` (bench/_process.ts);
// table (e) breaks a cold `strata synth` of the example down by what it loads (bench/_startup.ts).
//
// Environment: BENCH_SIZES=1000,5000,10000  BENCH_KUSTOMIZE_TIMEOUT=60 (seconds)  KUSTOMIZE=<binary>  BENCH_DIR=<output dir>
//   BENCH_TABLES=a,b,c,d,e  BENCH_PROCESS_SIZES=1000,5000 (fleet sizes of (d), besides the example)  BENCH_PROCESS_RUNS=3
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { cpus, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { exampleCase, fleetCase, median, runCase, timeProcess, CDK8S_APP, type CaseRuns, type ProcessCase, type ProcessRun } from './_process.ts';
import { startupBreakdown } from './_startup.ts';

const REPO = resolve(fileURLToPath(new URL('..', import.meta.url)));
// Output goes to a RAM disk when there is one: the benchmark measures the compiler, not a
// shared disk (on a busy machine, writing 5,000 small files to disk varies from 0.3 s to 10 s).
const WORK = process.env['BENCH_DIR'] ?? (existsSync('/dev/shm') ? '/dev/shm/strata-bench' : join(REPO, 'tmp', 'bench'));
/** Projects for (c) stay inside the repository, where its tsconfig.json and node_modules serve the type-check. */
const PROJECTS = join(REPO, 'tmp', 'bench-projects');
const SIZES = (process.env['BENCH_SIZES'] ?? '1000,5000,10000').split(',').map(Number);
const RUNS = Number(process.env['BENCH_RUNS'] ?? '2');
const KUSTOMIZE_TIMEOUT = Number(process.env['BENCH_KUSTOMIZE_TIMEOUT'] ?? '60') * 1000;
const TABLES = new Set((process.env['BENCH_TABLES'] ?? 'a,b,c,d,e,f').split(','));
const PROCESS_SIZES = (process.env['BENCH_PROCESS_SIZES'] ?? '1000,5000').split(',').filter(Boolean).map(Number);
const PROCESS_RUNS = Number(process.env['BENCH_PROCESS_RUNS'] ?? '3');

interface Measurement {
  /** Wall time. */
  readonly ms: number;
  /** CPU time (user + system, all threads) of the measured work: steadier than wall time on a busy machine. */
  readonly cpuMs: number;
  readonly maxRssKiB: number;
  readonly treeMs?: number;
  readonly action?: string;
  readonly timedOut?: boolean;
}

/** Best (least CPU time) of `runs` runs. */
function best(runs: number, mode: string, objects: number, flag?: string): Measurement {
  let result = measure(mode, objects, flag);
  for (let run = 1; run < runs; run += 1) {
    const next = measure(mode, objects, flag);
    if (next.cpuMs < result.cpuMs) result = next;
  }
  return result;
}

function measure(mode: string, objects: number, flag?: string): Measurement {
  const args = ['--import', 'tsx', join(REPO, 'bench', '_measure.ts'), mode, String(objects), WORK, PROJECTS, ...(flag ? [flag] : [])];
  const result = spawnSync(process.execPath, args, { cwd: REPO, encoding: 'utf8', maxBuffer: 1 << 26 });
  const line = result.stdout.trim().split('\n').pop() ?? '';
  if (result.status !== 0 || !line.startsWith('{')) throw new Error(`${mode} ${objects} failed (${result.status}):\n${result.stderr}`);
  return JSON.parse(line) as Measurement;
}

/** Path of the kustomize binary: $KUSTOMIZE, the test tools' cache, or built here from the pinned module. */
async function kustomizeBinary(): Promise<string> {
  if (process.env['KUSTOMIZE']) return process.env['KUSTOMIZE'];
  const tools = (await import('../test/cluster/tools.ts')) as { toolPath(tool: 'kustomize'): string };
  const cached = tools.toolPath('kustomize');
  if (existsSync(cached)) return cached;
  const own = join(REPO, '.cache', 'strata', 'bench', 'kustomize');
  if (!existsSync(own)) {
    process.stderr.write('building kustomize v5 from test/cluster/tools/kubernetes/go.mod (once)...\n');
    const build = spawnSync('go', ['build', '-o', own, 'sigs.k8s.io/kustomize/kustomize/v5'], { cwd: join(REPO, 'test', 'cluster', 'tools', 'kubernetes'), stdio: 'inherit' });
    if (build.status !== 0) throw new Error('go build of kustomize failed');
  }
  return own;
}

/**
 * Runs `kustomize build` (output discarded) under GNU time for its CPU time and max RSS;
 * without /usr/bin/time, samples VmHWM from /proc while it runs and reports wall time only.
 */
function kustomizeBuild(binary: string, overlay: string): Promise<Measurement> {
  const gnuTime = existsSync('/usr/bin/time');
  return new Promise((resolvePromise, reject) => {
    const started = performance.now();
    const child = gnuTime
      ? spawn('/usr/bin/time', ['-f', 'STRATA-TIME %U %S %M', binary, 'build', overlay], { stdio: ['ignore', 'ignore', 'pipe'] })
      : spawn(binary, ['build', overlay], { stdio: ['ignore', 'ignore', 'pipe'] });
    let peak = 0;
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const sample = setInterval(() => {
      if (gnuTime) return;
      try {
        const match = /VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
        if (match) peak = Math.max(peak, Number(match[1]));
      } catch {
        // The process has exited.
      }
    }, 10);
    const timer = setTimeout(() => {
      timedOut = true;
      // GNU time's child is kustomize; end the whole group we started.
      spawnSync('pkill', ['-KILL', '-P', String(child.pid)]);
      child.kill('SIGKILL');
    }, KUSTOMIZE_TIMEOUT);
    let timedOut = false;
    child.on('error', reject);
    child.on('close', (code) => {
      clearInterval(sample);
      clearTimeout(timer);
      const ms = performance.now() - started;
      const timing = /STRATA-TIME ([\d.]+) ([\d.]+) (\d+)/.exec(stderr);
      const cpuMs = timing ? (Number(timing[1]) + Number(timing[2])) * 1000 : ms;
      const maxRssKiB = timing ? Number(timing[3]) : peak;
      if (timedOut) resolvePromise({ ms, cpuMs: ms, maxRssKiB, timedOut: true });
      else if (code !== 0) reject(new Error(`kustomize build failed: ${stderr}`));
      else resolvePromise({ ms, cpuMs, maxRssKiB });
    });
  });
}

const fmtMs = (ms: number) => (ms >= 10_000 ? `${(ms / 1000).toFixed(1)} s` : `${ms.toFixed(0)} ms`);
const perObject = (m: Measurement, n: number) => `${((m.cpuMs * 1000) / n).toFixed(0)} µs/obj`;
const mem = (m: Measurement) => `${(m.maxRssKiB / 1024).toFixed(0)} MiB`;
const cell = (m: Measurement, n: number) => `${fmtMs(m.cpuMs)} (${perObject(m, n)}, wall ${fmtMs(m.ms)}, ${mem(m)})`;
const ratio = (slow: Measurement, fast: Measurement) => `${(slow.cpuMs / fast.cpuMs).toFixed(1)}x cpu, ${(slow.ms / fast.ms).toFixed(1)}x wall`;

function row(cells: readonly string[]): string {
  const widths = [8, 44, 44, 10];
  return cells.map((cell, index) => cell.padEnd(widths[index] ?? 12)).join(' ');
}

async function main(): Promise<void> {
  for (const dir of [WORK, PROJECTS]) {
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
  }
  const kustomize = TABLES.has('b') ? await kustomizeBinary() : undefined;
  const version = kustomize ? spawnSync(kustomize, ['version'], { encoding: 'utf8' }).stdout.trim() : '(not run)';
  console.log(`strata bench:synth: node ${process.version}, kustomize ${version}, sizes ${SIZES.join(', ')}; ${new Date().toISOString()}, ${cpus().length} cores, load ${loadAverage()}`);
  console.log(`Each cell: CPU time (per object, wall time, peak RSS). (a) to (c): measured inside each child process, start-up excluded`);
  console.log(`(the CPU time of (c) includes the native type-checker's process);`);
  console.log(`ratios on CPU time, which a busy machine disturbs least, and on wall time. Best of ${RUNS} runs. Output: ${WORK}\n`);
  if (TABLES.has('a')) tableA();
  if (kustomize) await tableB(kustomize);
  if (TABLES.has('c')) tableC();
  if (TABLES.has('d')) tableD();
  if (TABLES.has('e')) tableE();
  if (TABLES.has('f')) await tableF();
  console.log(`\nTargets: (a) ≥ 3x; (b) 10k objects in < 3 s, linear; (c) ≤ 10%; (d) cold ≥ 2x cdk8s synth, example cold ≤ 1.0 s and unchanged ≤ 0.25 s wall. Load at the end: ${loadAverage()}`);
}

const loadAverage = () => loadavg().map((value) => value.toFixed(1)).join(' ');

function tableA(): void {
  console.log('(a) Strata vs stock cdk8s App.synth() of the same construct tree (tree built beforehand, not timed);');
  console.log('    second line: stock cdk8s with YamlOutputType.FILE_PER_RESOURCE, the same output shape as Strata (one file per object)');
  console.log(row(['objects', 'cdk8s App.synth()', 'Strata synth', 'speed-up']));
  for (const n of SIZES) {
    const cdk8s = best(RUNS, 'cdk8s', n);
    const strata = best(RUNS, 'strata', n);
    console.log(row([String(n), cell(cdk8s, n), cell(strata, n), ratio(cdk8s, strata)]));
    const perResource = best(RUNS, 'cdk8s-per-resource', n);
    console.log(row(['', `per resource: ${cell(perResource, n)}`, '', ratio(perResource, strata)]));
  }
}

async function tableB(kustomize: string): Promise<void> {
  console.log('\n(b) Strata with an overlay (namespace, name prefix, labels, image tag, replicas) vs kustomize build of the same base + overlay');
  console.log('    (Strata: construct tree, overlay, YAML, files; kustomize: reading the base YAML, overlay, YAML to stdout)');
  console.log(row(['objects', 'kustomize build', 'Strata + overlay', 'speed-up']));
  for (const n of SIZES) {
    measure('base', n);
    const k = await kustomizeBuild(kustomize, join(WORK, `kustomize-${n}`, 'overlay'));
    const s = best(RUNS, 'strata-overlay', n);
    const kText = k.timedOut ? `stopped after ${fmtMs(KUSTOMIZE_TIMEOUT)} wall` : cell(k, n);
    console.log(row([String(n), kText, cell(s, n), k.timedOut ? `> ${(k.ms / s.ms).toFixed(1)}x wall` : ratio(k, s)]));
  }
}

function tableC(): void {
  console.log('\n(c) Full compile (`synth()`: type-check, constructs, YAML, files) vs an unchanged second compile;');
  console.log('    the last line of each size compares with a compile that skips the type-check (constructs to files only)');
  console.log(row(['objects', 'full compile (cold)', 'unchanged recompile', 'share']));
  for (const n of SIZES) {
    measure('project', n);
    const full = measure('compile', n, '--cold');
    const again = best(RUNS, 'compile', n);
    const bare = measure('compile', n, '--no-typecheck');
    const share = (base: Measurement) => `${((again.cpuMs / base.cpuMs) * 100).toFixed(1)}% cpu, ${((again.ms / base.ms) * 100).toFixed(1)}% wall`;
    console.log(row([String(n), cell(full, n), `${cell(again, n)} ${again.action}`, share(full)]));
    console.log(row(['', `no type-check: ${cell(bare, n)}`, '', share(bare)]));
  }
}

/**
 * (f) The example's chart renders (three clusters: nine renders, six distinct, of four charts), in this
 * process: every chart rendered by Helm (what a tool that runs `helm template` on each
 * reconcile pays), from this machine's render cache, and from the committed charts/renders/
 * (what `strata synth` on a fresh clone pays). The compile around them is the same in all three.
 */
async function tableF(): Promise<void> {
  const { compileWithRenders } = await import('../src/compiler/synth.ts');
  const { renderStats } = await import('../src/charts/index.ts');
  const cache = join(WORK, 'charts-cache');
  rmSync(cache, { recursive: true, force: true });
  const saved = process.env['STRATA_CHARTS_CACHE'];
  process.env['STRATA_CHARTS_CACHE'] = cache;
  console.log('\n(f) The example\'s chart renders (3 clusters: 9 renders, 6 distinct): compile with every chart rendered by Helm, from this machine\'s cache, from the committed renders');
  console.log(row(['', 'wall (cpu of this process)', 'renders: Helm / cache / committed', 'vs Helm']));
  const runs: { label: string; ms: number }[] = [];
  try {
    for (const [label, mode] of [['Helm', 'verify'], ['cache', 'verify'], ['committed', 'synth']] as const) {
      const before = { ...renderStats() };
      const cpu = process.cpuUsage();
      const started = performance.now();
      await compileWithRenders({ root: REPO, typecheck: false, cache: false }, mode);
      const ms = performance.now() - started;
      const used = process.cpuUsage(cpu);
      const after = renderStats();
      runs.push({ label, ms });
      const counts = `${after.rendered - before.rendered} / ${after.cached - before.cached} / ${after.committed - before.committed} (Helm ${fmtMs(after.helmMs - before.helmMs)})`;
      console.log(row([label, `${fmtMs(ms)} (${fmtMs((used.user + used.system) / 1000)})`, counts, `${(runs[0]!.ms / ms).toFixed(1)}x`]));
    }
  } finally {
    if (saved === undefined) delete process.env['STRATA_CHARTS_CACHE'];
    else process.env['STRATA_CHARTS_CACHE'] = saved;
  }
}

const processCell = (m: ProcessRun) => `${fmtMs(m.ms)} wall, ${fmtMs(m.cpuMs)} cpu`;
const processRatio = (slow: ProcessRun, fast: ProcessRun) => `${(slow.ms / fast.ms).toFixed(1)}x wall, ${(slow.cpuMs / fast.cpuMs).toFixed(1)}x cpu`;

/**
 * (d) Whole processes, start-up and type-check included on both sides, as a user waits
 * for them: rounds interleaved over the cases (cdk8s, cold, warm, unchanged of each case
 * in turn), medians of the rounds.
 */
function tableD(): void {
  console.log(`\n(d) The whole \`strata synth\` process vs \`cdk8s synth\` (cdk8s-cli; app: \`${CDK8S_APP}\`) of the same construct tree;`);
  console.log('    cold: no caches (.cache/strata removed, output folder empty); warm: after an edit of one source file (incremental');
  console.log('    type-check, compile); unchanged: nothing changed. cdk8s synth keeps no cache. Wall and CPU time (user + system,');
  console.log(`    children included) of each process; median of ${PROCESS_RUNS} interleaved rounds; ratios: cdk8s synth / strata synth.`);
  const cases: ProcessCase[] = [exampleCase(REPO, PROJECTS, ['development', 'production', 'staging'])];
  for (const n of PROCESS_SIZES) {
    measure('project', n);
    cases.push(fleetCase(REPO, join(PROJECTS, `project-${n}`), n, 'fleet'));
  }
  const rounds = new Map<ProcessCase, CaseRuns[]>(cases.map((item) => [item, []]));
  for (let round = 0; round < PROCESS_RUNS; round += 1) {
    for (const item of cases) rounds.get(item)!.push(runCase(REPO, item, join(WORK, `process-${item.label}`, 'out'), round));
  }
  const widths = [9, 26, 26, 26, 26, 24, 24];
  const line = (cells: readonly string[]) => console.log(cells.map((text, index) => text.padEnd(widths[index] ?? 12)).join(' '));
  line(['tree', 'cdk8s synth', 'strata cold', 'strata warm', 'strata unchanged', 'cold speed-up', 'unchanged speed-up']);
  for (const item of cases) {
    const runs = rounds.get(item)!;
    const [cdk8s, cold, warm, unchanged] = (['cdk8s', 'cold', 'warm', 'unchanged'] as const).map((key) => median(runs.map((run) => run[key])));
    line([item.label, processCell(cdk8s!), processCell(cold!), processCell(warm!), processCell(unchanged!), processRatio(cdk8s!, cold!), processRatio(cdk8s!, unchanged!)]);
  }
}

/**
 * (e) Start-up: a cold `strata synth` of the example step by step (import timings, CPU time,
 * medians of BENCH_PROCESS_RUNS fresh processes), and the type-check's share of the whole process.
 */
function tableE(): void {
  console.log('\n(e) Where a cold `strata synth` of the example spends CPU time: steps of the command run in turn in a fresh process');
  console.log(`    (process.cpuUsage() after each; median of ${PROCESS_RUNS} processes), then whole processes under GNU time.`);
  const example = exampleCase(REPO, PROJECTS, ['development', 'production', 'staging']);
  const steps = startupBreakdown(REPO, example.strata, PROCESS_RUNS);
  let total = 0;
  for (const [name, ms] of steps) {
    total += ms;
    console.log(`    ${fmtMs(ms).padStart(8)}  ${name}`);
  }
  console.log(`    ${fmtMs(total).padStart(8)}  in all (without the type-check)`);
  const bin = join(REPO, 'cli', 'bin', 'strata.js');
  const whole = (args: readonly string[]) => {
    const runs: ProcessRun[] = [];
    for (let run = 0; run < PROCESS_RUNS; run += 1) {
      rmSync(join(example.strata, '.cache'), { recursive: true, force: true });
      runs.push(timeProcess(process.execPath, [bin, ...args, '--root', example.strata], REPO));
    }
    return median(runs);
  };
  const nodeOnly = median(Array.from({ length: PROCESS_RUNS }, () => timeProcess(process.execPath, ['-e', '0'], REPO)));
  const help = median(Array.from({ length: PROCESS_RUNS }, () => timeProcess(process.execPath, [bin, '--help'], REPO)));
  const bare = whole(['synth', '--no-typecheck']);
  const cold = whole(['synth']);
  console.log(`    node -e 0: ${processCell(nodeOnly)}; strata --help: ${processCell(help)}`);
  console.log(`    cold strata synth --no-typecheck: ${processCell(bare)}; cold strata synth: ${processCell(cold)}`);
  console.log(`    so the type-check (native tsc, beside the compile) costs ${fmtMs(cold.cpuMs - bare.cpuMs)} cpu; load ${loadAverage()}`);
}

await main();
rmSync(WORK, { recursive: true, force: true });
