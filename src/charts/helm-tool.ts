// The pinned Helm: `helm.sh/helm/v3/cmd/helm` at the version tools/helm/go.mod pins, built
// with the Go toolchain on first use into the tools cache (beside the test tools, keyed by a
// hash of go.mod and go.sum), so that `npm ci && npm run synth` needs nothing but Node and Go.
// `STRATA_HELM=/path/to/helm` uses another binary instead (its output may then differ).
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { HelmToolError } from './errors.ts';

/** tools/helm of this Strata: beside src/ in a checkout, beside dist/ in the installed package. */
const MODULE_DIR = ((): string => {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = join(dir, 'tools', 'helm');
    if (existsSync(join(candidate, 'go.mod'))) return candidate;
    const parent = dirname(dir);
    if (parent === dir) return resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'tools', 'helm');
    dir = parent;
  }
})();
const PACKAGE = 'helm.sh/helm/v3/cmd/helm';
/** Bump when the build flags change, so cached builds are redone. */
const RECIPE = 'strata-helm-1';

/**
 * Root of the tools cache.
 * @default `$STRATA_TOOLS_CACHE`, else `$XDG_CACHE_HOME/strata/tools`, else `~/.cache/strata/tools`
 */
export function toolsCache(): string {
  const explicit = process.env['STRATA_TOOLS_CACHE'];
  if (explicit) return resolve(explicit);
  const xdg = process.env['XDG_CACHE_HOME'];
  return join(xdg ? resolve(xdg) : join(homedir(), '.cache'), 'strata', 'tools');
}

/** The Helm version tools/helm/go.mod pins, e.g. `v3.22.0`. */
export function pinnedHelmVersion(): string {
  const m = /^\s*helm\.sh\/helm\/v3\s+(v\S+)/m.exec(readFileSync(join(MODULE_DIR, 'go.mod'), 'utf8'));
  if (!m) throw new HelmToolError(`${join(MODULE_DIR, 'go.mod')} does not require helm.sh/helm/v3`);
  return m[1]!;
}

/** What identifies the pinned build on this platform: names its folder in the tools cache. */
export function helmIdentity(): string {
  const explicit = process.env['STRATA_HELM'];
  if (explicit) return `external:${resolve(explicit)}`;
  const hash = createHash('sha256').update(RECIPE).update('\0').update(`${process.platform}/${process.arch}`);
  for (const file of ['go.mod', 'go.sum']) hash.update('\0').update(readFileSync(join(MODULE_DIR, file)));
  return `helm-${hash.digest('hex').slice(0, 16)}`;
}

/**
 * What identifies the pinned Helm's output, for render keys: go.mod and go.sum, not the
 * platform (templates render the same everywhere), so a render committed on one machine
 * is found on every other. `STRATA_HELM` renders are keyed by that binary's path.
 */
export function helmRenderIdentity(): string {
  const explicit = process.env['STRATA_HELM'];
  if (explicit) return `external:${resolve(explicit)}`;
  const hash = createHash('sha256').update(RECIPE);
  for (const file of ['go.mod', 'go.sum']) hash.update('\0').update(readFileSync(join(MODULE_DIR, file)));
  return `helm-${hash.digest('hex').slice(0, 16)}`;
}

/** Where the pinned binary lives (it may not be built yet). */
export function helmPath(): string {
  const explicit = process.env['STRATA_HELM'];
  if (explicit) return resolve(explicit);
  return join(toolsCache(), helmIdentity(), 'bin', 'helm');
}

/**
 * The Helm binary, built first when missing (a few minutes cold on 2 cores; once per
 * machine and pin). Fails with what to install when Go is missing.
 */
export function helmBinary(log: (line: string) => void = (line) => process.stderr.write(`${line}\n`)): string {
  const binary = helmPath();
  if (existsSync(binary)) return binary;
  if (process.env['STRATA_HELM']) throw new HelmToolError(`STRATA_HELM=${process.env['STRATA_HELM']}: no such file`);
  const version = pinnedHelmVersion();
  const go = spawnSync('go', ['env', 'GOVERSION'], { encoding: 'utf8' });
  if (go.error || go.status !== 0) {
    throw new HelmToolError(
      `Helm ${version} is not built yet (${binary}) and \`go\` is not on PATH: Strata builds the Helm it renders charts with from tools/helm/go.mod. ` +
        'Install Go 1.24 or newer (https://go.dev/dl) and run again, or point STRATA_HELM at a Helm v3 binary.',
    );
  }
  log(`strata: building Helm ${version} (${PACKAGE}, pinned in tools/helm/go.mod) with ${go.stdout.trim()} into ${dirname(binary)}; once per machine`);
  mkdirSync(dirname(binary), { recursive: true });
  const temp = `${binary}.${process.pid}.tmp`;
  const ldflags = `-s -w -X helm.sh/helm/v3/internal/version.version=${version} -X helm.sh/helm/v3/internal/version.gitTreeState=clean`;
  const started = Date.now();
  const result = spawnSync('go', ['build', '-trimpath', `-ldflags=${ldflags}`, '-o', temp, PACKAGE], {
    cwd: MODULE_DIR,
    stdio: ['ignore', 'inherit', 'pipe'],
    encoding: 'utf8',
    env: { ...process.env, GOFLAGS: `${process.env['GOFLAGS'] ?? ''} -mod=readonly -buildvcs=false`.trim(), GOTOOLCHAIN: process.env['GOTOOLCHAIN'] ?? 'auto' },
  });
  if (result.status !== 0) {
    rmSync(temp, { force: true });
    throw new HelmToolError(`go build ${PACKAGE} (in ${MODULE_DIR}) failed (exit ${result.status ?? result.signal}): ${(result.stderr ?? '').slice(-2000)}`);
  }
  // Another process may have finished the same build first: its binary is as good as ours.
  if (existsSync(binary)) rmSync(temp, { force: true });
  else renameSync(temp, binary);
  log(`strata: Helm ${version} built in ${Math.round((Date.now() - started) / 1000)}s`);
  return binary;
}

/** Result of one Helm run. */
export interface HelmRun {
  readonly status: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Options of {@link runHelm}. */
export interface RunHelmOptions {
  /** @default the current directory */
  readonly cwd?: string;
  /** Standard input. @default none */
  readonly input?: string;
  /** Extra environment. @default none */
  readonly env?: Readonly<Record<string, string>>;
}

/**
 * Runs the pinned Helm with its config, cache and data folders in a fresh temporary folder,
 * so a user's repositories, plugins and registry logins never change what it does.
 */
export function runHelm(args: readonly string[], options: RunHelmOptions = {}): HelmRun {
  const binary = helmBinary();
  const home = mkdtempSync(join(tmpdir(), 'strata-helm-'));
  try {
    const result = spawnSync(binary, args, {
      cwd: options.cwd,
      input: options.input,
      encoding: 'utf8',
      maxBuffer: 256 * 1024 * 1024,
      env: {
        PATH: process.env['PATH'] ?? '',
        HOME: home,
        HELM_CONFIG_HOME: join(home, 'config'),
        HELM_CACHE_HOME: join(home, 'cache'),
        HELM_DATA_HOME: join(home, 'data'),
        HELM_PLUGINS: join(home, 'plugins'),
        HELM_REGISTRY_CONFIG: join(home, 'registry.json'),
        HELM_REPOSITORY_CONFIG: join(home, 'repositories.yaml'),
        HELM_REPOSITORY_CACHE: join(home, 'repository'),
        ...options.env,
      },
    });
    if (result.error) throw new HelmToolError(`${binary}: ${result.error.message}`);
    return { status: result.status ?? 1, stdout: result.stdout, stderr: result.stderr };
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
}
