/**
 * Update: scan, rewrite the entries of each lock the policies own, recompile
 * the affected clusters, and (optionally) make one commit listing each image
 * old → new per environment, then push it without ever forcing. Nothing
 * changed → nothing written, no commit.
 */
import path from 'node:path';
import type { Git, GitCredentials, GitIdentity } from '../git/index.ts';
import { changedPaths, commitPaths, imageGit, isRepository } from './_git.ts';
import { ImageGitError } from './errors.ts';
import { writeImageLock } from './lock-file.ts';
import { recompileClusters, type Recompile } from './recompile.ts';
import { scanImages, type ScanOptions, type ScanReport } from './scan.ts';

export interface ImageChange {
  readonly environment: string;
  readonly component: string;
  readonly from: string;
  readonly to: string;
}

export interface PushOptions {
  /** @default 'origin' */
  readonly remote?: string;
  /** @default the checked-out branch */
  readonly branch?: string;
  /** Fetch-rebase-push rounds before giving up when the remote moved. @default 3 */
  readonly attempts?: number;
}

export interface UpdateOptions extends ScanOptions {
  /**
   * Commit the rewritten locks and the recompiled output (only those paths).
   * @default false
   */
  readonly commit?: boolean;
  /**
   * Push the commit (implies `commit`); a remote that moved is fetched and
   * rebased onto, never overwritten.
   * @default false
   */
  readonly push?: boolean | PushOptions;
  /**
   * Recompiles the changed environments' clusters; `false` skips it (the lock alone changes).
   * @default recompileClusters (the compiler's API)
   */
  readonly recompile?: Recompile | false;
  /** Commit identity. @default the repository's, else `Strata image automation` */
  readonly identity?: GitIdentity;
  /** Basic credentials for an HTTP(S) remote. @default none */
  readonly gitCredentials?: GitCredentials;
}

export interface UpdateResult {
  /** One entry per rewritten image, sorted by environment then component. */
  readonly changes: readonly ImageChange[];
  readonly scan: ScanReport;
  /** Paths (relative to the root) written: locks and compiled output. */
  readonly files: readonly string[];
  /** The commit made, when `commit` and something changed. */
  readonly commit?: string;
  readonly pushed: boolean;
}

/** The commit message: a summary line, then each image old → new per environment. */
export function commitMessage(changes: readonly ImageChange[]): string {
  const environments = [...new Set(changes.map((change) => change.environment))];
  const lines = [`images: update ${changes.length} image${changes.length === 1 ? '' : 's'} in ${environments.join(', ')}`, ''];
  for (const environment of environments) {
    lines.push(`${environment}:`);
    for (const change of changes.filter((c) => c.environment === environment)) lines.push(`  ${change.component}: ${change.from} → ${change.to}`);
  }
  return `${lines.join('\n')}\n`;
}

export async function updateImages(options: UpdateOptions = {}): Promise<UpdateResult> {
  const root = path.resolve(options.root ?? process.cwd());
  const push = options.push === undefined || options.push === false ? undefined : options.push === true ? {} : options.push;
  if (push === undefined) return updateOnce(root, options, options.commit === true);
  const git = gitFor(root, options);
  const remote = push.remote ?? 'origin';
  const branch = push.branch ?? (await git.run(['rev-parse', '--abbrev-ref', 'HEAD']));
  const attempts = push.attempts ?? 3;
  let lastError: Error | undefined;
  for (let attempt = 1; attempt <= attempts; attempt++) {
    const result = await updateOnce(root, options, true);
    if (result.commit === undefined) return result;
    try {
      await git.run(['push', '--porcelain', remote, `HEAD:refs/heads/${branch}`]);
      return { ...result, pushed: true };
    } catch (error) {
      lastError = error as Error;
      if (!/rejected|non-fast-forward|fetch first|stale info/i.test(lastError.message)) throw error;
    }
    // Someone else pushed first. Take the update commit back (its paths were clean when it
    // was made, so `--keep` touches nothing else), catch up with the remote, and redo the
    // update on top: the compiled output then matches the merged sources.
    await git.run(['reset', '--quiet', '--keep', 'HEAD~1']);
    await git.run(['fetch', '--quiet', remote, branch]);
    try {
      await git.run(['merge', '--quiet', '--ff-only', 'FETCH_HEAD']);
    } catch (error) {
      throw new ImageGitError(
        root,
        `${remote}/${branch} moved and the local branch has commits of its own; pull, then run the update again (the update was undone; nothing was force-pushed)`,
        { cause: error },
      );
    }
  }
  throw new ImageGitError(root, `${remote}/${branch} kept moving: push rejected ${attempts} times; giving up (the update was undone; nothing was force-pushed)`, { cause: lastError });
}

function gitFor(root: string, options: UpdateOptions): Git {
  return imageGit(root, { ...(options.identity === undefined ? {} : { identity: options.identity }), ...(options.gitCredentials === undefined ? {} : { credentials: options.gitCredentials }) });
}

/** Scan, rewrite, recompile and (with `commit`) commit once. */
async function updateOnce(root: string, options: UpdateOptions, commit: boolean): Promise<UpdateResult> {
  const scan = await scanImages({ ...options, root });
  const changes: ImageChange[] = scan.results
    .filter((result) => result.action === 'update' && result.latest !== undefined)
    .map((result) => ({ environment: result.environment, component: result.component, from: result.current, to: result.latest as string }));
  if (changes.length === 0) return { changes, scan, files: [], pushed: false };
  const git = gitFor(root, options);
  if (commit && !(await isRepository(git))) throw new ImageGitError(root, 'not a git work tree; cannot commit the image update');

  if (commit) {
    // Never sweep someone's uncommitted edits into the automation's commit.
    const envs = [...new Set(changes.map((change) => change.environment))];
    const dirty = await changedPaths(git, envs.flatMap((env) => [path.join('clusters', env, 'images.json'), path.join('deploy', env)]));
    if (dirty.length > 0) throw new ImageGitError(root, `uncommitted changes in ${dirty.join(', ')}; commit or stash them before \`images update --commit\``);
  }
  const files: string[] = [];
  const changed: string[] = [];
  for (const { environment, lock } of scan.environments) {
    const own = new Map(changes.filter((change) => change.environment === environment).map((change) => [change.component, change.to]));
    if (own.size === 0) continue;
    if (await writeImageLock(lock, own)) {
      files.push(path.relative(root, lock.file));
      changed.push(environment);
    }
  }
  const recompile = options.recompile ?? recompileClusters;
  if (recompile !== false) files.push(...(await recompile({ root, clusters: changed })));
  if (!commit) return { changes, scan, files, pushed: false };
  return { changes, scan, files, commit: await commitPaths(git, files, commitMessage(changes)), pushed: false };
}
