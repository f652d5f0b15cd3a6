// Table (d) of `bench:synth`: whole processes, start-up and type-check included.
// `strata synth` (cold, warm, unchanged) against `cdk8s synth` of cdk8s-cli running a cdk8s
// app of the same construct tree, on the example and on the fleet.
import { spawnSync } from 'node:child_process';
import { appendFileSync, cpSync, existsSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';

/** One process run: wall and CPU time (user + system, the process and every child it waited for), peak RSS of the largest. */
export interface ProcessRun {
  readonly ms: number;
  readonly cpuMs: number;
  readonly maxRssKiB: number;
}

/** A construct tree both tools compile: the Strata project and the cdk8s app over it. */
export interface ProcessCase {
  readonly label: string;
  /** Strata project root (holds clusters/). */
  readonly strata: string;
  /** cdk8s project folder (cdk8s.yaml, main.ts, tsconfig.json). */
  readonly cdk8s: string;
  /** A file of the construct tree that the warm run edits (a comment appended). */
  readonly edited: string;
  /** The clusters of the tree, by name. */
  readonly clusters: readonly string[];
}

/**
 * The app command of cdk8s-cli's TypeScript template is `npx ts-node main.ts`. On Node 20,
 * ts-node 10.9's ESM mode fails with ERR_UNKNOWN_FILE_EXTENSION (TypeStrong/ts-node#1997), and
 * Strata's sources are ES modules; so the app runs with ts-node's ESM loader, as its README
 * documents, with ts-node's defaults otherwise (it type-checks every file it loads with the
 * `typescript` 5.9 dependency, as the template's ts-node does). The example imports the
 * library by package name; `--conditions=strata-source` resolves it to the sources, as for strata synth.
 */
export const CDK8S_APP = 'node --conditions=strata-source --loader ts-node/esm main.ts';

/** Runs a command under GNU time (in `cwd`) and returns its wall and CPU time; throws with stderr when it fails. */
export function timeProcess(command: string, args: readonly string[], cwd: string, env: NodeJS.ProcessEnv = process.env): ProcessRun {
  const started = performance.now();
  const result = spawnSync('/usr/bin/time', ['-f', 'STRATA-TIME %U %S %M', command, ...args], { cwd, env, encoding: 'utf8', maxBuffer: 1 << 26 });
  const ms = performance.now() - started;
  const timing = /STRATA-TIME ([\d.]+) ([\d.]+) (\d+)\s*$/.exec(result.stderr);
  if (result.status !== 0 || !timing) throw new Error(`${command} ${args.join(' ')} (in ${cwd}) failed (${result.status}):\n${result.stderr}${result.stdout}`);
  return { ms, cpuMs: (Number(timing[1]) + Number(timing[2])) * 1000, maxRssKiB: Number(timing[3]) };
}

/** The cdk8s project beside a Strata project: cdk8s.yaml as the template writes it (app command above), a tsconfig for ts-node, main.ts. */
function writeCdk8sProject(dir: string, repo: string, main: string): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'cdk8s.yaml'), `language: typescript\napp: ${CDK8S_APP}\n`);
  writeFileSync(
    join(dir, 'tsconfig.json'),
    `${JSON.stringify(
      {
        // The repository's options (strict, NodeNext), made emittable for ts-node:
        // `.ts` specifiers are allowed by rewriteRelativeImportExtensions instead of noEmit.
        extends: relative(dir, join(repo, 'tsconfig.json')),
        compilerOptions: { noEmit: false, allowImportingTsExtensions: false, rewriteRelativeImportExtensions: true, verbatimModuleSyntax: false },
        files: ['main.ts'],
        include: [],
      },
      null,
      2,
    )}\n`,
  );
  writeFileSync(join(dir, 'main.ts'), main);
}

/** `main.ts` of the cdk8s app: each cluster's construct tree (`Cluster.app()`), synthesized by cdk8s into $CDK8S_OUTDIR. */
function cdk8sMain(imports: readonly { name: string; from: string; build: string }[]): string {
  return [
    '// The same construct trees `strata synth` compiles, synthesized by stock cdk8s (App.synth()).',
    ...imports.map(({ name, from }) => `import * as ${name}Module from '${from}';`),
    '',
    ...imports.map(({ name, build }) => `const ${name} = ${build};`),
    ...imports.map(({ name }) => `(${name} as unknown as { outdir: string }).outdir = process.env['CDK8S_OUTDIR'] ?? 'dist';\n${name}.synth();`),
    '',
  ].join('\n');
}

/**
 * The example as a project of its own under `work`: copies of apps/, base/ and clusters/
 * (the warm run edits them) and links to the repository's src/ and charts/, so its relative imports
 * and the repository's tsconfig.json and node_modules serve it unchanged.
 */
export function exampleCase(repo: string, work: string, clusters: readonly string[]): ProcessCase {
  const strata = join(work, 'example');
  rmSync(strata, { recursive: true, force: true });
  mkdirSync(strata, { recursive: true });
  for (const dir of ['apps', 'base', 'clusters']) cpSync(join(repo, dir), join(strata, dir), { recursive: true });
  symlinkSync(join(repo, 'src'), join(strata, 'src'));
  // The vendored charts, their lock and committed renders (read only: every render is committed).
  symlinkSync(join(repo, 'charts'), join(strata, 'charts'));
  const cdk8s = join(strata, 'cdk8s');
  const imports = clusters.map((cluster) => ({ name: cluster, from: `../clusters/${cluster}/index.ts`, build: `${cluster}Module.default.app()` }));
  writeCdk8sProject(cdk8s, repo, cdk8sMain(imports));
  return { label: 'example', strata, cdk8s, edited: join(strata, 'base', 'index.ts'), clusters };
}

/** The fleet of `objects` objects: the project bench/_measure.ts `project` writes, and its cdk8s app. */
export function fleetCase(repo: string, projectRoot: string, objects: number, name: string): ProcessCase {
  const cdk8s = join(projectRoot, 'cdk8s');
  const from = relative(cdk8s, join(repo, 'src', 'constructs', 'index.ts'));
  writeCdk8sProject(cdk8s, repo, cdk8sMain([{ name: 'fleet', from, build: `fleetModule.fleet({ objects: ${objects}, name: '${name}' }).app()` }]));
  return { label: String(objects), strata: projectRoot, cdk8s, edited: join(projectRoot, 'clusters', name, 'index.ts'), clusters: [name] };
}

/** The four runs of one case: cdk8s synth, strata synth with no cache, after an edit, unchanged. */
export interface CaseRuns {
  readonly cdk8s: ProcessRun;
  readonly cold: ProcessRun;
  readonly warm: ProcessRun;
  readonly unchanged: ProcessRun;
}

/** One round of a case; rounds of all cases are interleaved by the caller. */
export function runCase(repo: string, item: ProcessCase, out: string, round: number): CaseRuns {
  const strata = (env: NodeJS.ProcessEnv = process.env) => timeProcess(process.execPath, [join(repo, 'cli', 'bin', 'strata.js'), 'synth', '--root', item.strata, '--out', out], repo, env);
  const cdk8sOut = join(out, '..', `${item.label}-cdk8s`);
  rmSync(cdk8sOut, { recursive: true, force: true });
  // cdk8s-cli does not always create the output folder before the app writes into it.
  mkdirSync(cdk8sOut, { recursive: true });
  const cdk8s = timeProcess(join(repo, 'node_modules', '.bin', 'cdk8s'), ['synth', '--output', cdk8sOut], item.cdk8s);
  if (!existsSync(cdk8sOut)) throw new Error(`cdk8s synth wrote nothing to ${cdk8sOut}`);
  // Cold: no type-check cache, no build info, no output record, an empty output folder,
  // and no transform cache of tsx (as on a fresh CI machine).
  rmSync(join(item.strata, '.cache'), { recursive: true, force: true });
  rmSync(out, { recursive: true, force: true });
  const cold = strata({ ...process.env, TSX_DISABLE_CACHE: '1' });
  // Warm: an edit (a comment) in a file of the tree: an incremental type-check and a compile.
  appendFileSync(item.edited, `// bench edit ${round}\n`);
  const warm = strata();
  const unchanged = strata();
  return { cdk8s, cold, warm, unchanged };
}

/** The median run by wall time, and separately the median CPU time (both are reported). */
export function median(runs: readonly ProcessRun[]): ProcessRun {
  const middle = <T>(values: readonly T[], by: (value: T) => number): T => [...values].sort((a, b) => by(a) - by(b))[Math.floor(values.length / 2)]!;
  return { ms: middle(runs, (r) => r.ms).ms, cpuMs: middle(runs, (r) => r.cpuMs).cpuMs, maxRssKiB: middle(runs, (r) => r.maxRssKiB).maxRssKiB };
}
