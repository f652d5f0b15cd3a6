/**
 * `strata bootstrap`, like `flux bootstrap git` for a plain Git server:
 *
 * 1. cluster: the context exists, the API server answers, the rights to install
 *    the agent are there, and it is not bootstrapped as another environment;
 * 2. repository: a fresh clone of the branch;
 * 3. sources: `clusters/<cluster>/` includes the agent and the root Sync
 *    (bootstrap-sources.ts), compiled to `deploy/<cluster>/`, committed and
 *    pushed when anything changed, the message saying what was added;
 * 4. cluster, first time only: the agent's manifests applied once with the
 *    engine's `applyAllStaged`; afterwards the agent applies them itself, so an
 *    upgrade goes through Git, not around it;
 * 5. the Git credentials Secret (and the age key Secret) created in the cluster,
 *    never in Git, before the root Sync, so its first reconcile can fetch;
 * 6. waits until the root Sync is Ready at the pushed revision (unless `wait: false`).
 *
 * Every step is idempotent and checks come before changes, so a run that stops
 * anywhere is finished by the next one; a second run on a bootstrapped cluster
 * changes nothing and says so. Who runs the agent is the only difference between
 * a real cluster (its Deployment) and tests (`startAgent` in-process).
 */
import { existsSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { KubeConfig } from '@kubernetes/client-node';
import { compile, loadClusterSource, projectLayout, syncDirectory } from '../compiler/index.ts';
import { defaultAgentImage, installationNodeModules } from '../install/installation.ts';
import { ManifestSet, type ManifestEntry } from '../manifest/index.ts';
import { applyAllStaged, type ChangeSetEntry } from '../engine/index.ts';
import { KubeClient } from '../kube/index.ts';
import { IMAGE_UPDATE_CRD, RECONCILE_REQUESTED_AT, SYNC_CRD, SYNC_GROUP, SYNC_KIND, SYNC_VERSION, ownerLabels, type Sync } from '../api/index.ts';
import { Git, GitCommandError, formatRevision, shortCommit, type GitCredentials, type GitIdentity } from '../git/index.ts';
import { ensureSources } from './bootstrap-sources.ts';
import { checkAccess, checkNotOtherCluster, selectContext } from './cluster-access.ts';
import { upsertCredentialSecrets, type SecretOutcome } from './credentials.ts';
import { assertClusterName, BootstrapError, type BootstrapStep } from './errors.ts';
import { combineIndexes, readClusterIndexes } from './cluster-index.ts';
import { countChanges, describeCounts, diffIndexes } from './object-changes.ts';
import { PART_OF_LABEL, PART_OF_VALUE, ROOT_SYNC_NAMESPACE, rootSyncName } from './root-sync.ts';
import { BOOTSTRAP_TRAILER } from './trailers.ts';
import { waitForSyncReady } from './wait-ready.ts';

/** Options of {@link bootstrap}. */
export interface BootstrapOptions {
  /** The repository URL the agent pulls from (https://, http://, ssh://, file://), without credentials. */
  readonly repo: string;
  /** The cluster: the folder `clusters/<cluster>/` and `deploy/<cluster>/`. */
  readonly cluster: string;
  /** @default 'main' */
  readonly branch?: string;
  /** A KubeConfig or a kubeconfig file. @default $KUBECONFIG, ~/.kube/config or in-cluster config */
  readonly kubeconfig?: KubeConfig | string;
  /** @default the kubeconfig's current context */
  readonly context?: string;
  /** HTTP(S) basic auth for Git: used for the clone and push, and stored in the cluster as the Sync's Secret. @default none (public repository) */
  readonly gitCredentials?: GitCredentials;
  /** The cluster's age identity (`AGE-SECRET-KEY-1…`), stored in the cluster for SOPS decryption. @default none */
  readonly ageKey?: string;
  /** @default the image in the cluster's sources; on a first bootstrap `strata/agent:<package version>` */
  readonly agentImage?: string;
  /** How often the root Sync looks for a new revision. @default the interval in the cluster's sources; on a first bootstrap '1m' */
  readonly interval?: string;
  /** Wait for the root Sync to be Ready. @default true */
  readonly wait?: boolean;
  /** @default 300_000 */
  readonly timeoutMs?: number;
  /** Type-check the cluster sources before compiling (CI's `strata check` does too). @default false */
  readonly typecheck?: boolean;
  /** Author of the bootstrap commit when the clone configures none. @default 'Strata bootstrap <bootstrap@strata.invalid>' */
  readonly identity?: GitIdentity;
  /** Where the clone is made (removed afterwards). @default a temporary folder */
  readonly workDir?: string;
  /**
   * The `node_modules` the clone compiles with when it has none of its own.
   * @default the node_modules of this Strata installation
   */
  readonly nodeModules?: string;
  /**
   * Runs the agent where the cluster cannot: called once, right after bootstrap applied
   * the agent's manifests and created the root Sync (the moment a real cluster starts the
   * agent's Pods). Tests pass an in-process `startAgent`; that is the only difference
   * between them and a real bootstrap.
   * @default none: the cluster runs the agent's Deployment
   */
  readonly runAgent?: (kubeConfig: KubeConfig) => Promise<void>;
  /** One line per step, for a terminal. @default silent */
  readonly onProgress?: (step: BootstrapStep, message: string) => void;
  readonly signal?: AbortSignal;
}

export const DEFAULT_BOOTSTRAP_OPTIONS = {
  branch: 'main',
  wait: true,
  timeoutMs: 300_000,
  typecheck: false,
  identity: { name: 'Strata bootstrap', email: 'bootstrap@strata.invalid' },
} as const;

/** What a step did: a closed set. */
export type StepOutcome = 'changed' | 'unchanged' | 'skipped';

export interface BootstrapResult {
  readonly cluster: string;
  readonly repo: string;
  readonly branch: string;
  /** `branch@sha1:<hash>` of the revision the cluster is bootstrapped at. */
  readonly revision: string;
  /** The bootstrap commit, when one was pushed. */
  readonly commit?: string;
  /** Files of the sources written (relative to the repository root). */
  readonly sources: readonly string[];
  readonly git: StepOutcome;
  /** The agent's manifests applied by bootstrap itself (first run only). */
  readonly apply: StepOutcome;
  readonly applied: readonly ChangeSetEntry[];
  readonly secrets: readonly SecretOutcome[];
  /** Whether anything in Git or the cluster changed. */
  readonly changed: boolean;
  /** Time from the start until the root Sync was Ready; absent with `wait: false`. */
  readonly readyAfterMs?: number;
  readonly durationMs: number;
  /** Milliseconds spent in each step. */
  readonly timings: Readonly<Partial<Record<BootstrapStep, number>>>;
}

/** Bootstraps (or re-checks) a cluster from a repository; see the file comment. */
export async function bootstrap(options: BootstrapOptions): Promise<BootstrapResult> {
  const started = Date.now();
  const cluster = options.cluster;
  assertClusterName(cluster);
  const branch = options.branch ?? DEFAULT_BOOTSTRAP_OPTIONS.branch;
  const report = options.onProgress ?? (() => undefined);
  // Time spent per step, for the result: a step runs from its first line to the next step's.
  const timings: Partial<Record<BootstrapStep, number>> = {};
  let current: { step: BootstrapStep; since: number } | undefined;
  const closeStep = (): void => {
    if (current) timings[current.step] = (timings[current.step] ?? 0) + (Date.now() - current.since);
    current = undefined;
  };
  const progress = (step: BootstrapStep, message: string): void => {
    if (current?.step !== step) {
      closeStep();
      current = { step, since: Date.now() };
    }
    report(step, message);
  };
  const fail = (step: BootstrapStep, message: string, cause?: unknown): never => {
    throw new BootstrapError(step, cluster, message, cause === undefined ? undefined : { cause });
  };
  if (/^[a-z+]+:\/\/[^/@]*@/i.test(options.repo) && /^https?:/i.test(options.repo)) {
    fail('clone', 'the repository URL carries credentials; pass them as gitCredentials (--git-username, --git-password-env) so they go into a Secret, not into Git');
  }

  // 1. The cluster, checked before anything is written.
  const kubeConfig = selectContext({ cluster, ...(options.kubeconfig === undefined ? {} : { kubeconfig: options.kubeconfig }), ...(options.context === undefined ? {} : { context: options.context }) });
  const server = kubeConfig.getCurrentCluster()?.server ?? '(no server)';
  progress('context', `cluster ${server} (context ${kubeConfig.getCurrentContext()})`);
  const client = await KubeClient.fromKubeConfig(kubeConfig).catch((error: unknown) => fail('context', `cannot use the kubeconfig: ${(error as Error).message}`, error));
  const workDir = options.workDir ?? mkdtempSync(join(tmpdir(), 'strata-bootstrap-'));
  try {
    await checkAccess(client, { cluster, server });
    await checkNotOtherCluster(client, { cluster, server });

    // 2. The repository.
    progress('clone', `cloning ${options.repo} (branch ${branch})`);
    const checkout = join(workDir, 'repo');
    const credentials = options.gitCredentials;
    const outside = new Git(workDir, credentials ? { credentials } : {});
    try {
      await outside.run(['clone', '--quiet', '--branch', branch, '--single-branch', '--', options.repo, checkout]);
    } catch (error) {
      fail('clone', `cannot clone ${options.repo} (branch ${branch}): ${error instanceof GitCommandError ? error.stderr.split('\n').slice(-3).join(' ') : (error as Error).message}`, error);
    }
    const configured = await new Git(checkout).tryRun(['config', 'user.email']);
    const git = new Git(checkout, { ...(credentials ? { credentials } : {}), ...(configured ? {} : { identity: options.identity ?? DEFAULT_BOOTSTRAP_OPTIONS.identity }) });
    const before = await git.run(['rev-parse', 'HEAD']);

    // 3. Sources, compile, commit, push. A cluster compiled into units has its root Sync point at the root unit.
    linkNodeModules(checkout, options.nodeModules);
    const units = await hasUnits(checkout, cluster);
    const sources = ensureSources({
      units,
      root: checkout,
      cluster,
      url: options.repo,
      branch,
      ...(options.agentImage === undefined ? {} : { image: options.agentImage }),
      defaultImage: defaultAgentImage(),
      gitAuth: credentials !== undefined,
      ageKey: options.ageKey !== undefined,
      ...(options.interval === undefined ? {} : { interval: options.interval }),
    });
    for (const line of sources.added) progress('sources', `adding ${line}`);
    progress('compile', `compiling clusters/${cluster}`);
    let set: ManifestSet;
    let compiledFiles: ReadonlyMap<string, string>;
    try {
      const [compiled] = await compile({ root: checkout, clusters: [cluster], typecheck: options.typecheck ?? DEFAULT_BOOTSTRAP_OPTIONS.typecheck, cache: false });
      if (!compiled) throw new Error('the compiler returned no cluster');
      await syncDirectory(join(checkout, 'deploy', cluster), compiled.files);
      set = compiled.set;
      compiledFiles = compiled.files;
    } catch (error) {
      return fail('compile', `clusters/${cluster} does not compile: ${(error as Error).message}`, error);
    }
    await git.run(['add', '--all', '--', `clusters/${cluster}`, `deploy/${cluster}`]);
    const staged = await git.run(['diff', '--cached', '--name-only']);
    let commit: string | undefined;
    if (staged !== '') {
      const previousIndex = (await readClusterIndexes(git, cluster, `deploy/${cluster}`, [before])).get(before);
      const indexTexts = new Map([...compiledFiles].filter(([file]) => file.endsWith('index.json')));
      const counts = countChanges(diffIndexes(previousIndex, combineIndexes(cluster, indexTexts)));
      const message = [
        sources.added.length > 0 ? `Bootstrap ${cluster}: add the Strata agent and the root Sync` : `Bootstrap ${cluster}: compile deploy/${cluster}`,
        '',
        `Added by \`strata bootstrap --cluster ${cluster}\`:`,
        ...(sources.added.length > 0 ? sources.added.map((line) => `- ${line}`) : ['- nothing in the sources; deploy/ was stale']),
        `- deploy/${cluster}/ compiled: ${describeCounts(counts)}`,
        '',
        'Credentials stay out of Git: they are Secrets in the cluster.',
        '',
        `${BOOTSTRAP_TRAILER}: ${cluster}`,
        '',
      ].join('\n');
      await git.run(['commit', '--quiet', '--no-verify', '-F', '-'], { input: message });
      const made = await git.run(['rev-parse', 'HEAD']);
      commit = made;
      progress('push', `pushing ${shortCommit(made)} to ${branch}: ${message.split('\n')[0]}`);
      try {
        await git.run(['push', '--quiet', 'origin', `HEAD:refs/heads/${branch}`]);
      } catch (error) {
        const stderr = error instanceof GitCommandError ? error.stderr : (error as Error).message;
        fail('push', /rejected|fetch first|non-fast-forward/.test(stderr) ? `${branch} moved while bootstrapping; nothing was applied, run bootstrap again` : `cannot push to ${options.repo}: ${stderr.split('\n').slice(-3).join(' ')}`, error);
      }
    } else {
      progress('push', `sources and deploy/${cluster} are up to date at ${shortCommit(before)}: nothing to commit`);
    }
    const head = commit ?? before;
    const revision = formatRevision(branch, head);

    // 4 and 5. The agent, its Secrets and the root Sync.
    const syncName = rootSyncName(cluster);
    const syncRef = { group: SYNC_GROUP, version: SYNC_VERSION, kind: SYNC_KIND, namespace: ROOT_SYNC_NAMESPACE, name: syncName };
    const existing = await client.get(syncRef).catch(() => undefined);
    const agentEntries = set.entries.filter(isAgentObject);
    const syncEntry = agentEntries.find((entry) => entry.ref.kind === SYNC_KIND && entry.ref.group === SYNC_GROUP && entry.ref.name === syncName);
    if (!syncEntry) fail('compile', `deploy/${cluster} has no root Sync ${ROOT_SYNC_NAMESPACE}/${syncName}: clusters/${cluster}/strata-system.ts was changed by hand?`);
    let applied: ChangeSetEntry[] = [];
    const labels = ownerLabels(syncName, ROOT_SYNC_NAMESPACE);
    const applyOptions = { ownerLabels: labels, ...(options.signal ? { signal: options.signal } : {}) };
    if (existing === undefined) {
      progress('apply', `installing the agent: ${agentEntries.length - 1} objects`);
      try {
        applied = [...(await applyAllStaged(client, ManifestSet.of(agentEntries.filter((entry) => entry !== syncEntry).map(({ object, source }) => ({ object, ...(source ? { source } : {}) }))), applyOptions)).entries];
      } catch (error) {
        fail('apply', `cannot apply the agent's manifests: ${(error as Error).message}`, error);
      }
    } else {
      progress('apply', `the agent is installed (root Sync ${ROOT_SYNC_NAMESPACE}/${syncName} exists): it applies changes from Git itself`);
    }
    const secrets = await upsertCredentialSecrets(client, {
      cluster,
      ...(options.gitCredentials ? { gitCredentials: options.gitCredentials } : {}),
      ...(options.ageKey === undefined ? {} : { ageKey: options.ageKey }),
    });
    for (const secret of secrets) progress('credentials', `Secret ${ROOT_SYNC_NAMESPACE}/${secret.name}: ${secret.action}`);
    if (existing === undefined) {
      try {
        applied.push(...(await applyAllStaged(client, ManifestSet.of([{ object: (syncEntry as ManifestEntry).object }]), applyOptions)).entries);
      } catch (error) {
        fail('apply', `cannot create the root Sync: ${(error as Error).message}`, error);
      }
      progress('apply', `created the root Sync ${ROOT_SYNC_NAMESPACE}/${syncName} for deploy/${cluster}`);
      await options.runAgent?.(kubeConfig);
    } else if ((existing as Sync | undefined)?.spec?.path !== ((syncEntry as ManifestEntry).object as Sync).spec.path) {
      // The layout changed (a cluster now compiled into units): the root Sync cannot read the new
      // revision at its old folder to update itself, so bootstrap points it at the root unit.
      try {
        applied.push(...(await applyAllStaged(client, ManifestSet.of([{ object: (syncEntry as ManifestEntry).object }]), applyOptions)).entries);
      } catch (error) {
        fail('apply', `cannot point the root Sync at ${((syncEntry as ManifestEntry).object as Sync).spec.path}: ${(error as Error).message}`, error);
      }
      progress('apply', `the root Sync ${ROOT_SYNC_NAMESPACE}/${syncName} now follows ${((syncEntry as ManifestEntry).object as Sync).spec.path}`);
    } else if (commit !== undefined) {
      // A new revision: ask for a reconcile now rather than at the next interval.
      await client
        .request('PATCH', `/apis/${SYNC_GROUP}/${SYNC_VERSION}/namespaces/${ROOT_SYNC_NAMESPACE}/syncs/${syncName}`, { metadata: { annotations: { [RECONCILE_REQUESTED_AT]: new Date().toISOString() } } }, { contentType: 'application/merge-patch+json' })
        .catch(() => undefined);
    }

    const applyChanged = applied.some((entry) => entry.action !== 'unchanged' && entry.action !== 'skipped');
    const changed = commit !== undefined || applyChanged || secrets.some((secret) => secret.action !== 'unchanged');
    const base = {
      cluster,
      repo: options.repo,
      branch,
      revision,
      ...(commit ? { commit } : {}),
      sources: sources.written,
      git: (commit ? 'changed' : 'unchanged') as StepOutcome,
      apply: (existing !== undefined ? 'skipped' : applyChanged ? 'changed' : 'unchanged') as StepOutcome,
      applied,
      secrets,
      changed,
    };
    if (options.wait === false) {
      closeStep();
      return { ...base, durationMs: Date.now() - started, timings };
    }

    // 6. Ready.
    progress('wait', `waiting for the root Sync to be Ready at ${revision}`);
    const result = await waitForSyncReady(client, {
      namespace: ROOT_SYNC_NAMESPACE,
      name: syncName,
      revision,
      timeoutMs: options.timeoutMs ?? DEFAULT_BOOTSTRAP_OPTIONS.timeoutMs,
      onProgress: (message) => progress('wait', message),
      ...(options.signal ? { signal: options.signal } : {}),
    });
    if (!result.ready) {
      fail('wait', `the root Sync ${ROOT_SYNC_NAMESPACE}/${syncName} is not Ready at ${revision} after ${Math.round((options.timeoutMs ?? DEFAULT_BOOTSTRAP_OPTIONS.timeoutMs) / 1000)} s (${result.message}); everything else is in place: run bootstrap again to keep waiting, or see \`strata events ${syncName} -n ${ROOT_SYNC_NAMESPACE}\``);
    }
    const readyAfterMs = Date.now() - started;
    progress('wait', `root Sync Ready at ${revision} after ${(readyAfterMs / 1000).toFixed(1)} s`);
    closeStep();
    return { ...base, readyAfterMs, durationMs: Date.now() - started, timings };
  } finally {
    client.close();
    if (options.workDir === undefined) rmSync(workDir, { recursive: true, force: true });
  }
}

/** The agent's own manifests and the root Sync, as the agent construct labels them. */
function isAgentObject(entry: ManifestEntry): boolean {
  if (entry.ref.kind === 'CustomResourceDefinition' && (entry.ref.name === SYNC_CRD.metadata.name || entry.ref.name === IMAGE_UPDATE_CRD.metadata.name)) return true;
  return entry.object.metadata.labels?.[PART_OF_LABEL] === PART_OF_VALUE;
}

/** Compiling imports the cluster sources, which import cdk8s: a fresh clone borrows this installation's node_modules. */
function linkNodeModules(checkout: string, nodeModules: string | undefined): void {
  const target = join(checkout, 'node_modules');
  if (existsSync(target)) return;
  const source = nodeModules ?? installationNodeModules();
  if (existsSync(source)) symlinkSync(resolve(source), target, 'dir');
}

/**
 * Whether the cluster declares units (read before the sources are changed, so the root Sync
 * is written pointing at the right folder). A cluster that does not load is left to the
 * compile step, which reports it with its file.
 */
async function hasUnits(checkout: string, cluster: string): Promise<boolean> {
  try {
    const source = await loadClusterSource(projectLayout(checkout), cluster);
    return (source.units ?? []).length > 0;
  } catch {
    return false;
  }
}
