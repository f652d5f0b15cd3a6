// The test tools (kube-apiserver, etcd, kubectl, sops, kwok, ...) are built from the pinned Go
// modules under test/cluster/tools/<module>/ into a cache directory outside the work tree,
// keyed by a hash of each module's go.mod and go.sum: a later run, or another clone of the
// repository, reuses the binaries as long as the pins have not changed.
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Every binary the test suite can ask for. */
export type ToolName =
  | 'kube-apiserver'
  | 'kube-controller-manager'
  | 'kube-scheduler'
  | 'kubectl'
  | 'kustomize'
  | 'etcd'
  | 'sops'
  | 'kwok'
  | 'source-controller'
  | 'kustomize-controller'
  | 'notification-controller';

interface ToolModule {
  /** Folder under test/cluster/tools/. */
  readonly name: string;
  /** Binary name → Go package (a `tool` directive of the module). */
  readonly tools: Readonly<Partial<Record<ToolName, string>>>;
  /** Extra linker flags computed from the module's go.mod. */
  readonly ldflags?: (goMod: string) => string[];
  /**
   * Built only when asked for by name (a benchmark's peer), never by the test suite's set-up.
   * @default false
   */
  readonly benchOnly?: boolean;
}

/** Bump when the way binaries are built changes, so that cached builds are redone. */
const RECIPE = 'strata-tools-1';

const kubernetesVersionFlags = (goMod: string): string[] => {
  const m = /^\s*k8s\.io\/kubernetes\s+v(\d+)\.(\d+)\.(\d+)\S*/m.exec(goMod);
  if (!m) return [];
  const [, major, minor] = m;
  const version = `v${m[1]}.${m[2]}.${m[3]}`;
  return ['k8s.io/component-base/version', 'k8s.io/client-go/pkg/version'].flatMap((pkg) => [
    `-X ${pkg}.gitVersion=${version}`,
    `-X ${pkg}.gitMajor=${major}`,
    `-X ${pkg}.gitMinor=${minor}`,
    `-X ${pkg}.gitTreeState=clean`,
  ]);
};

/** The tool modules, each pinned by its own go.mod so that their dependency graphs never clash. */
export const TOOL_MODULES: readonly ToolModule[] = [
  {
    name: 'kubernetes',
    tools: {
      'kube-apiserver': 'k8s.io/kubernetes/cmd/kube-apiserver',
      'kube-controller-manager': 'k8s.io/kubernetes/cmd/kube-controller-manager',
      'kube-scheduler': 'k8s.io/kubernetes/cmd/kube-scheduler',
      kubectl: 'k8s.io/kubernetes/cmd/kubectl',
      kustomize: 'sigs.k8s.io/kustomize/kustomize/v5',
    },
    ldflags: kubernetesVersionFlags,
  },
  { name: 'etcd', tools: { etcd: 'go.etcd.io/etcd/server/v3' } },
  { name: 'kwok', tools: { kwok: 'sigs.k8s.io/kwok/cmd/kwok' } },
  { name: 'sops', tools: { sops: 'github.com/getsops/sops/v3/cmd/sops' } },
  // Flux's controllers, the peer of `npm run bench:flux`.
  { name: 'flux-source', tools: { 'source-controller': 'github.com/fluxcd/source-controller' }, benchOnly: true },
  { name: 'flux-kustomize', tools: { 'kustomize-controller': 'github.com/fluxcd/kustomize-controller' }, benchOnly: true },
  { name: 'flux-notification', tools: { 'notification-controller': 'github.com/fluxcd/notification-controller' }, benchOnly: true },
];

/** The modules the test suite runs (every module but the benchmarks' peers). */
const SUITE_MODULES = TOOL_MODULES.filter((m) => !m.benchOnly);

/** Every tool the test suite runs. */
export const ALL_TOOLS: readonly ToolName[] = SUITE_MODULES.flatMap((m) => Object.keys(m.tools) as ToolName[]);

/** Raised when the tools are missing or cannot be built; the message says what to do. */
export class TestToolsError extends Error {
  override readonly name = 'TestToolsError';
  constructor(message: string, options?: { readonly cause?: unknown }) {
    super(message, options);
  }
}

const here = dirname(fileURLToPath(import.meta.url));
/** Root of the repository (two levels above this file). */
export const REPO_ROOT = resolve(here, '..', '..');
const MODULES_DIR = join(here, 'tools');

/** The command a human runs to build the tools. */
export const BUILD_COMMAND = 'npm run tools:build';

/**
 * Root of the binary cache.
 * @default `$STRATA_TOOLS_CACHE`, else `$XDG_CACHE_HOME/strata/tools`, else `~/.cache/strata/tools`
 */
export function toolsCacheRoot(): string {
  const explicit = process.env['STRATA_TOOLS_CACHE'];
  if (explicit) return resolve(explicit);
  const xdg = process.env['XDG_CACHE_HOME'];
  return join(xdg ? resolve(xdg) : join(homedir(), '.cache'), 'strata', 'tools');
}

function moduleFiles(mod: ToolModule): { goMod: string; goSum: string } {
  const dir = join(MODULES_DIR, mod.name);
  const goMod = readFileSync(join(dir, 'go.mod'), 'utf8');
  const goSum = existsSync(join(dir, 'go.sum')) ? readFileSync(join(dir, 'go.sum'), 'utf8') : '';
  return { goMod, goSum };
}

/** The cache key of a module: its pins, the build recipe and the platform. */
export function moduleKey(mod: ToolModule): string {
  const { goMod, goSum } = moduleFiles(mod);
  const hash = createHash('sha256');
  for (const part of [RECIPE, `${process.platform}/${process.arch}`, goMod, goSum]) {
    hash.update(part).update('\0');
  }
  return `${mod.name}-${hash.digest('hex').slice(0, 16)}`;
}

function moduleBinDir(mod: ToolModule): string {
  return join(toolsCacheRoot(), moduleKey(mod), 'bin');
}

function moduleOf(tool: ToolName): ToolModule {
  const mod = TOOL_MODULES.find((m) => tool in m.tools);
  if (!mod) throw new TestToolsError(`unknown test tool ${tool}`);
  return mod;
}

const STAMP = '.complete';

function isBuilt(mod: ToolModule): boolean {
  return existsSync(join(dirname(moduleBinDir(mod)), STAMP));
}

/** Absolute path of a tool's binary in the cache (it may not be built yet). */
export function toolPath(tool: ToolName): string {
  return join(moduleBinDir(moduleOf(tool)), tool);
}

/** The tools whose binaries are not in the cache. */
export function missingTools(tools: readonly ToolName[]): ToolName[] {
  return tools.filter((t) => !isBuilt(moduleOf(t)) || !existsSync(toolPath(t)));
}

/** The Go toolchain's version, or undefined when `go` is not on PATH. */
export function goVersion(): string | undefined {
  const r = spawnSync('go', ['env', 'GOVERSION'], { encoding: 'utf8' });
  if (r.error || r.status !== 0) return undefined;
  return r.stdout.trim();
}

const NO_GO_MESSAGE =
  'The Go toolchain (go 1.24 or newer) is needed to build the test cluster binaries ' +
  '(kube-apiserver, etcd, kubectl, kwok, sops) from test/cluster/tools/*/go.mod, and `go` is not on PATH. ' +
  'Install Go from https://go.dev/dl (Debian\'s golang-go is too old), put it on PATH, then run ' +
  `\`${BUILD_COMMAND}\` (a cold build takes about 10-15 minutes on 2 cores).`;

/**
 * Fails with a message saying what to run or install when a tool is missing.
 * Never skips: the integration suite needs the real binaries.
 */
export function assertToolsBuilt(tools: readonly ToolName[]): void {
  const missing = missingTools(tools);
  if (missing.length === 0) return;
  const go = goVersion();
  const what = `test tools not built: ${missing.join(', ')} (cache ${toolsCacheRoot()})`;
  if (!go) throw new TestToolsError(`${what}. ${NO_GO_MESSAGE}`);
  throw new TestToolsError(`${what}. Build them with \`${BUILD_COMMAND}\` (Go ${go} found).`);
}

/** Options of {@link buildTools}. */
export interface BuildToolsProps {
  /**
   * Rebuild even when the cache holds the module's binaries.
   * @default false
   */
  readonly force?: boolean;
  /**
   * Modules to build, by folder name.
   * @default every module the test suite runs (the benchmarks' peers only by name)
   */
  readonly modules?: readonly string[];
  /**
   * Where progress lines go.
   * @default process.stderr
   */
  readonly log?: (line: string) => void;
}

/** One line per module built or reused. */
export interface BuildResult {
  readonly module: string;
  readonly action: 'built' | 'reused';
  readonly seconds: number;
  readonly binDir: string;
}

const fmt = (ms: number): string => {
  const s = Math.round(ms / 1000);
  return s >= 60 ? `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s` : `${s}s`;
};

/**
 * One build of a module at a time on a machine: a second test run (or `npm run tools:build`)
 * waits for the first one's result instead of compiling the same packages again beside it.
 * The lock is a directory (mkdir is atomic) holding the builder's pid; a dead builder's lock is
 * taken over. Resolves true when another process built the module meanwhile.
 */
async function lockBuild(mod: ToolModule, lockDir: string, force: boolean, log: (line: string) => void): Promise<boolean> {
  let waitingSince: number | undefined;
  for (;;) {
    // --force rebuilds what is there, but takes what another build finished while it waited.
    if ((!force || waitingSince !== undefined) && isBuilt(mod)) return true;
    try {
      mkdirSync(lockDir, { recursive: false });
      writeFileSync(join(lockDir, 'pid'), `${process.pid}\n`);
      return false;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const holder = Number.parseInt(readFileSync(join(lockDir, 'pid'), { encoding: 'utf8', flag: 'a+' }), 10);
    if (Number.isInteger(holder) && holder !== process.pid && !isAlive(holder)) {
      rmSync(lockDir, { recursive: true, force: true });
      continue;
    }
    if (waitingSince === undefined) {
      waitingSince = Date.now();
      log(`  ${mod.name}: another process (pid ${Number.isInteger(holder) ? holder : '?'}) is building it; waiting for its result`);
    }
    await new Promise((resolvePromise) => setTimeout(resolvePromise, 2000));
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function buildModule(mod: ToolModule, force: boolean, log: (line: string) => void): Promise<void> {
  const dir = join(MODULES_DIR, mod.name);
  const key = moduleKey(mod);
  const finalDir = join(toolsCacheRoot(), key);
  mkdirSync(toolsCacheRoot(), { recursive: true });
  const lockDir = `${finalDir}.lock`;
  if (await lockBuild(mod, lockDir, force, log)) return;
  try {
    await buildUnlocked(mod, dir, finalDir, log);
  } finally {
    rmSync(lockDir, { recursive: true, force: true });
  }
}

async function buildUnlocked(mod: ToolModule, dir: string, finalDir: string, log: (line: string) => void): Promise<void> {
  const tmpDir = `${finalDir}.tmp-${process.pid}-${Date.now()}`;
  const tools = Object.entries(mod.tools) as [ToolName, string][];
  mkdirSync(join(tmpDir, 'bin'), { recursive: true });
  const ldflags = ['-s', '-w', ...(mod.ldflags?.(moduleFiles(mod).goMod) ?? [])].join(' ');
  try {
    for (const [name, pkg] of tools) {
      const started = Date.now();
      let packages = 0;
      let lastOutput = '';
      await new Promise<void>((resolvePromise, reject) => {
        const child = spawn('go', ['build', '-v', `-ldflags=${ldflags}`, '-o', join(tmpDir, 'bin', name), pkg], {
          cwd: dir,
          stdio: ['ignore', 'inherit', 'pipe'],
          env: {
            ...process.env,
            GOFLAGS: `${process.env['GOFLAGS'] ?? ''} -mod=readonly`.trim(),
            // An older Go fetches the toolchain a module asks for from the module proxy.
            GOTOOLCHAIN: process.env['GOTOOLCHAIN'] ?? 'auto',
          },
        });
        child.stderr.setEncoding('utf8');
        child.stderr.on('data', (chunk: string) => {
          for (const line of chunk.split('\n')) {
            if (!line) continue;
            packages += 1;
            lastOutput = `${lastOutput}\n${line}`.slice(-4000);
          }
        });
        const timer = setInterval(
          () => log(`  ${mod.name}/${name}: ${packages} packages compiled, ${fmt(Date.now() - started)}`),
          20_000,
        );
        child.on('error', (err) => {
          clearInterval(timer);
          reject(new TestToolsError(`go build ${pkg}: ${err.message}. ${NO_GO_MESSAGE}`, { cause: err }));
        });
        child.on('close', (code) => {
          clearInterval(timer);
          if (code === 0) resolvePromise();
          else reject(new TestToolsError(`go build ${pkg} (in ${dir}) exited with ${code}:${lastOutput}`));
        });
      });
      log(`  ${mod.name}/${name}: built in ${fmt(Date.now() - started)} (${packages} packages compiled)`);
    }
    writeFileSync(join(tmpDir, STAMP), `${new Date().toISOString()}\n`);
    rmSync(finalDir, { recursive: true, force: true });
    try {
      renameSync(tmpDir, finalDir);
    } catch (err) {
      // Another process finished the same build first: its result is as good as ours.
      if (!isBuilt(mod)) throw err;
    }
  } finally {
    rmSync(tmpDir, { recursive: true, force: true });
  }
}

/** Builds the tool modules whose binaries are not in the cache yet, printing progress. */
export async function buildTools(props: BuildToolsProps = {}): Promise<BuildResult[]> {
  const log = props.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const force = props.force ?? false;
  const mods = props.modules ? TOOL_MODULES.filter((m) => props.modules?.includes(m.name)) : SUITE_MODULES;
  const results: BuildResult[] = [];
  const unknown = (props.modules ?? []).filter((name) => !TOOL_MODULES.some((m) => m.name === name));
  if (unknown.length > 0) throw new TestToolsError(`unknown tool module(s) ${unknown.join(', ')}; known: ${TOOL_MODULES.map((m) => m.name).join(', ')}`);
  const go = goVersion();
  for (const mod of mods) {
    const started = Date.now();
    const binDir = moduleBinDir(mod);
    if (!force && isBuilt(mod) && missingTools(Object.keys(mod.tools) as ToolName[]).length === 0) {
      results.push({ module: mod.name, action: 'reused', seconds: 0, binDir });
      log(`test tools: ${mod.name} reused from ${binDir}`);
      continue;
    }
    if (!go) throw new TestToolsError(NO_GO_MESSAGE);
    log(`test tools: building ${mod.name} (${Object.keys(mod.tools).join(', ')}) with Go ${go} into ${binDir}`);
    await buildModule(mod, force, log);
    const seconds = Math.round((Date.now() - started) / 100) / 10;
    results.push({ module: mod.name, action: 'built', seconds, binDir });
    log(`test tools: ${mod.name} built in ${fmt(Date.now() - started)}`);
  }
  return results;
}
