/**
 * `strata rollback`: undoes the compiled changes made to one environment after a
 * revision, as one new commit on top of the branch (history is never rewritten,
 * so the agent applies it like any other revision and `strata history` shows it).
 *
 * Only `deploy/<cluster>/` changes: other clusters' output and the sources stay
 * as they are, so the commit is the path-restricted revert of every first-parent
 * commit after the revision. On a first-parent history that composite revert is
 * exactly the folder's tree at the revision, so it is built that way, in a
 * temporary index (the work tree is not touched until the commit exists, then it
 * is fast-forwarded): no three-way merge, so no partial state to clean up.
 *
 * It refuses a dirty work tree (its changes would be mixed in or lost), a
 * revision that is not on the branch's history, and a push the remote rejects
 * because someone pushed meanwhile (the rollback would be built on an old head).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Git, GitCommandError, shortCommit, type GitCredentials, type GitIdentity } from '../git/index.ts';
import { assertClusterName, DirtyWorkTreeError, RevisionNotFoundError, RollbackConflictError } from './errors.ts';
import { resolveCommit } from './history.ts';
import { readClusterIndexes, type ClusterIndex } from './cluster-index.ts';
import { countChanges, describeChange, describeCounts, diffIndexes, type ChangeCounts, type ObjectChange } from './object-changes.ts';
import { ROLLBACK_CLUSTER_TRAILER, ROLLBACK_TO_TRAILER } from './trailers.ts';

/** Options of {@link rollback}. */
export interface RollbackOptions {
  readonly cluster: string;
  /**
   * The repository's work tree.
   * @default process.cwd()
   */
  readonly dir?: string;
  /**
   * The revision to return to: a commit, tag, `HEAD~2` or `main@sha1:<hash>`.
   * @default the applied revision before the newest one
   */
  readonly to?: string;
  /**
   * Why: written into the commit message.
   * @default none ("no reason given")
   */
  readonly reason?: string;
  /**
   * Folder of the compiled output, relative to the repository root.
   * @default 'deploy'
   */
  readonly deployDir?: string;
  /**
   * Roll back only this unit's folder, `deploy/<cluster>/<unit>/`, of a cluster compiled into units.
   * @default every unit: the whole `deploy/<cluster>/`
   */
  readonly unit?: string;
  /**
   * Push the rollback commit to `remote`.
   * @default false
   */
  readonly push?: boolean;
  /** @default 'origin' */
  readonly remote?: string;
  /**
   * Branch pushed to.
   * @default the checked-out branch
   */
  readonly branch?: string;
  /** HTTP(S) basic auth for the push. @default git's own credential setup */
  readonly credentials?: GitCredentials;
  /** Author of the commit when the repository configures none. @default git's configuration */
  readonly identity?: GitIdentity;
  /**
   * Compute what would be rolled back without committing.
   * @default false
   */
  readonly dryRun?: boolean;
}

export const DEFAULT_ROLLBACK_OPTIONS = { deployDir: 'deploy', push: false, remote: 'origin', dryRun: false } as const;

/** A revision undone by the rollback. */
export interface RolledBackRevision {
  readonly commit: string;
  readonly subject: string;
}

export type RollbackOutcome = 'committed' | 'pushed' | 'planned' | 'unchanged';

export interface RollbackResult {
  readonly cluster: string;
  /** The unit rolled back, when one was named. */
  readonly unit?: string;
  readonly outcome: RollbackOutcome;
  /** The commit the environment returns to. */
  readonly to: string;
  /** The head before the rollback. */
  readonly from: string;
  /** The new commit; absent when nothing changed or on a dry run. */
  readonly commit?: string;
  /** The revisions undone, newest first. */
  readonly revisions: readonly RolledBackRevision[];
  /** What the rollback does to the objects (from the head's state to the target's). */
  readonly changes: readonly ObjectChange[];
  readonly counts: ChangeCounts;
  readonly message: string;
}

/** Rolls `deploy/<cluster>/` back to a revision with one new commit; see the file comment. */
export async function rollback(options: RollbackOptions): Promise<RollbackResult> {
  assertClusterName(options.cluster);
  const dir = options.dir ?? process.cwd();
  const clusterPath = `${options.deployDir ?? DEFAULT_ROLLBACK_OPTIONS.deployDir}/${options.cluster}`;
  const unit = options.unit;
  const path = unit === undefined ? clusterPath : `${clusterPath}/${unit}`;
  const git = new Git(dir, {
    ...(options.credentials ? { credentials: options.credentials } : {}),
    ...(options.identity ? { identity: options.identity } : {}),
  });

  const dirty = await dirtyFiles(git, path);
  if (dirty.length > 0) throw new DirtyWorkTreeError(dir, dirty);

  const head = await resolveCommit(git, 'HEAD');
  const applied = await firstParentCommits(git, head, path);
  let to: string;
  if (options.to === undefined) {
    const previous = applied[1];
    if (!previous) throw new RevisionNotFoundError('HEAD', dir, `${path} has no revision before ${shortCommit(applied[0]?.commit ?? head)} to roll back to; name one with --to`);
    to = previous.commit;
  } else {
    to = await resolveCommit(git, options.to);
    if (!(await isAncestor(git, to, head))) throw new RevisionNotFoundError(options.to, dir, `commit ${shortCommit(to)} is not in the history of HEAD, so the environment never ran it here`);
  }
  const toSubject = (await git.run(['log', '--max-count=1', '--format=%s', to])).trim();
  const revisions = await firstParentCommits(git, `${to}..${head}`, path);

  const indexes = await readClusterIndexes(git, options.cluster, clusterPath, [head, to]);
  if (unit !== undefined && ![head, to].some((commit) => indexes.get(commit)?.units?.has(unit))) {
    const known = [...new Set([head, to].flatMap((commit) => [...(indexes.get(commit)?.units?.keys() ?? [])]))];
    throw new RollbackConflictError(options.cluster, `${clusterPath}/ has no unit ${JSON.stringify(unit)} at ${shortCommit(head)} or ${shortCommit(to)} (${known.length > 0 ? `units: ${known.join(', ')}` : 'the cluster is not compiled into units'})`);
  }
  const inUnit = (index: ClusterIndex | undefined): ClusterIndex | undefined => (unit === undefined || index === undefined ? index : { ...index, objects: index.objects.filter((entry) => entry.unit === unit) });
  const changes = diffIndexes(inUnit(indexes.get(head)), inUnit(indexes.get(to)));
  const counts = countChanges(changes);
  const message = rollbackMessage({ cluster: options.cluster, ...(unit === undefined ? {} : { unit }), path, to, toSubject, revisions, changes, counts, reason: options.reason });
  const base = { cluster: options.cluster, ...(unit === undefined ? {} : { unit }), to, from: head, revisions, changes, counts, message };

  const tree = await treeWithFolderAt(git, head, to, path);
  const headTree = await git.run(['rev-parse', `${head}^{tree}`]);
  if (revisions.length === 0 || tree === headTree) return { ...base, revisions: [], outcome: 'unchanged' };
  if (options.dryRun) return { ...base, outcome: 'planned' };

  const commit = await git.run(['commit-tree', tree, '-p', head, '-F', '-'], { input: message });
  await git.run(['merge', '--ff-only', '--quiet', commit]);
  if (!options.push) return { ...base, commit, outcome: 'committed' };

  const remote = options.remote ?? DEFAULT_ROLLBACK_OPTIONS.remote;
  const branch = options.branch ?? (await git.tryRun(['symbolic-ref', '--quiet', '--short', 'HEAD']));
  if (!branch) throw new RollbackConflictError(options.cluster, `HEAD is detached: name the branch to push with --branch (the rollback commit ${shortCommit(commit)} is made locally)`);
  try {
    await git.run(['push', '--porcelain', remote, `HEAD:refs/heads/${branch}`]);
  } catch (error) {
    const stderr = error instanceof GitCommandError ? error.stderr : '';
    if (/rejected|non-fast-forward|fetch first/.test(stderr)) {
      throw new RollbackConflictError(
        options.cluster,
        `${remote}/${branch} has commits this clone does not have, so the rollback commit ${shortCommit(commit)} was made on an old head and not pushed. ` +
          `Run \`git pull --rebase ${remote} ${branch}\` (it only touches ${path}/) and push, or reset to ${shortCommit(head)} and roll back again`,
        [],
        { cause: error },
      );
    }
    throw error;
  }
  return { ...base, commit, outcome: 'pushed' };
}

/** Tracked changes anywhere, and untracked files inside the environment's folder. */
async function dirtyFiles(git: Git, path: string): Promise<string[]> {
  const status = await git.run(['status', '--porcelain=v1', '-z', '--untracked-files=all']);
  return status
    .split('\0')
    .filter((line) => line.length > 3)
    .filter((line) => !line.startsWith('??') || line.slice(3).startsWith(`${path}/`))
    .map((line) => line.slice(3));
}

async function isAncestor(git: Git, ancestor: string, commit: string): Promise<boolean> {
  return (await git.tryRun(['merge-base', '--is-ancestor', ancestor, commit])) !== undefined;
}

async function firstParentCommits(git: Git, range: string, path: string): Promise<RolledBackRevision[]> {
  const output = await git.run(['log', '--first-parent', '--format=%H%x1f%s', range, '--', path]);
  return output
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const [commit = '', subject = ''] = line.split('\x1f');
      return { commit, subject };
    });
}

/** The tree of `base` with `path` replaced by its content at `source` (absent there → removed). */
async function treeWithFolderAt(git: Git, base: string, source: string, path: string): Promise<string> {
  const scratch = mkdtempSync(join(tmpdir(), 'strata-rollback-'));
  const env = { GIT_INDEX_FILE: join(scratch, 'index') };
  try {
    await git.run(['read-tree', base], { env });
    await git.run(['rm', '-r', '--cached', '--quiet', '--ignore-unmatch', '--', path], { env });
    const entries = await git.runBuffer(['ls-tree', '-r', '-z', '--full-tree', source, '--', path]);
    if (entries.length > 0) await git.run(['update-index', '-z', '--index-info'], { env, input: entries });
    return await git.run(['write-tree'], { env });
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

function rollbackMessage(props: {
  cluster: string;
  unit?: string;
  path: string;
  to: string;
  toSubject: string;
  revisions: readonly RolledBackRevision[];
  changes: readonly ObjectChange[];
  counts: ChangeCounts;
  reason: string | undefined;
}): string {
  const reason = props.reason?.trim() || 'no reason given';
  const sign = { added: '+', changed: '~', removed: '-' } as const;
  const lines = [
    `Roll back ${props.cluster}${props.unit === undefined ? '' : ` (unit ${props.unit})`} to ${shortCommit(props.to)}: ${reason.split('\n')[0]}`,
    '',
    `Restores ${props.path}/ to its state at ${shortCommit(props.to)} (${JSON.stringify(props.toSubject)}),`,
    `reverting ${props.revisions.length} revision${props.revisions.length === 1 ? '' : 's'} of that folder only; other ${props.unit === undefined ? "clusters'" : "units' and clusters'"} output and the sources are untouched:`,
    ...props.revisions.map((revision) => `  ${shortCommit(revision.commit)} ${revision.subject}`),
    '',
    `Objects: ${describeCounts(props.counts)}`,
    ...props.changes.map((change) => `  ${sign[change.action]} ${describeChange(change)}`),
    '',
    `Reason: ${reason.replace(/\n+/g, ' ')}`,
    `${ROLLBACK_CLUSTER_TRAILER}: ${props.cluster}`,
    `${ROLLBACK_TO_TRAILER}: ${props.to}`,
  ];
  return `${lines.join('\n')}\n`;
}
