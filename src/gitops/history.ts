/**
 * The applied revisions of an environment, read back from Git: every commit on
 * the branch's first-parent history that changed `deploy/<cluster>/` (the states
 * the branch head, and so the agent, moved through), newest first, with who,
 * when, why (the message), the source commit it was compiled from, and which
 * objects it added, changed and removed (from the `index.json` diffs).
 */
import { indexDigest } from '../manifest/index.ts';
import { Git, parseRevision } from '../git/index.ts';
import { assertClusterName, RevisionNotFoundError } from './errors.ts';
import { readClusterIndexes, type ClusterIndex } from './cluster-index.ts';
import { changesOfFiles, countChanges, diffIndexes, type ChangeCounts, type ObjectChange } from './object-changes.ts';
import { ROOT_UNIT } from './root-sync.ts';
import { parseTrailers, ROLLBACK_TO_TRAILER, SOURCE_COMMIT_TRAILERS } from './trailers.ts';

/** Options of {@link readHistory}. */
export interface HistoryOptions {
  readonly cluster: string;
  /**
   * The repository's work tree.
   * @default process.cwd()
   */
  readonly dir?: string;
  /**
   * Where the history starts (a branch, tag or commit).
   * @default 'HEAD'
   */
  readonly ref?: string;
  /**
   * Folder of the compiled output, relative to the repository root.
   * @default 'deploy'
   */
  readonly deployDir?: string;
  /**
   * Most revisions returned (the newest).
   * @default all
   */
  readonly limit?: number;
  /**
   * The revision the cluster runs (`main@sha1:<hash>` from the root Sync's
   * `status.lastAppliedRevision`); the revision whose output that is gets `running: true`.
   * @default none marked
   */
  readonly runningRevision?: string;
}

export const DEFAULT_HISTORY_OPTIONS = { ref: 'HEAD', deployDir: 'deploy' } as const;

export interface Person {
  readonly name: string;
  readonly email: string;
}

/** One commit that changed the environment's compiled output. */
export interface AppliedRevision {
  /** Full commit hash. */
  readonly commit: string;
  readonly author: Person;
  /** Author time, ISO 8601 with offset. */
  readonly time: string;
  readonly committer: Person;
  readonly commitTime: string;
  /** First line of the message. */
  readonly subject: string;
  /** The whole message. */
  readonly message: string;
  /** The source commit the output was compiled from, when the message names it (`strata commit` does). */
  readonly sourceCommit?: string;
  /** Set on commits made by `strata rollback`: the revision rolled back to. */
  readonly rollbackTo?: string;
  /** The digest of the revision's manifest set (from its `index.json`), as a Sync's `status.history` records it; absent without an index. */
  readonly digest?: string;
  readonly changes: readonly ObjectChange[];
  readonly counts: ChangeCounts;
  /** True for the revision whose output the cluster runs (see `runningRevision`). */
  readonly running: boolean;
}

/** The history of one environment. */
export interface EnvironmentHistory {
  readonly cluster: string;
  /** `deploy/<cluster>`. */
  readonly path: string;
  readonly ref: string;
  /** The revision the cluster reports, when asked; `commit` is the revision of this history holding its output, if any. */
  readonly running?: { readonly revision: string; readonly commit?: string };
  readonly revisions: readonly AppliedRevision[];
}

const RECORD = '\x1e';
const FIELD = '\x1f';

/** Reads the applied revisions of `deploy/<cluster>/`, newest first. */
export async function readHistory(options: HistoryOptions): Promise<EnvironmentHistory> {
  assertClusterName(options.cluster);
  const dir = options.dir ?? process.cwd();
  const ref = options.ref ?? DEFAULT_HISTORY_OPTIONS.ref;
  const path = `${options.deployDir ?? DEFAULT_HISTORY_OPTIONS.deployDir}/${options.cluster}`;
  const git = new Git(dir);
  const head = await resolveCommit(git, ref);

  const format = `${RECORD}%H${FIELD}%P${FIELD}%an${FIELD}%ae${FIELD}%aI${FIELD}%cn${FIELD}%ce${FIELD}%cI${FIELD}%B`;
  const args = ['log', '--first-parent', `--format=${format}`, ...(options.limit === undefined ? [] : [`--max-count=${options.limit}`]), head, '--', path];
  const records = (await git.run(args)).split(RECORD).filter((record) => record.trim() !== '');
  const commits = records.map((record) => {
    const [commit = '', parents = '', an = '', ae = '', at = '', cn = '', ce = '', ct = '', message = ''] = record.split(FIELD);
    return { commit, parent: parents.split(' ').filter(Boolean)[0], author: { name: an, email: ae }, time: at, committer: { name: cn, email: ce }, commitTime: ct, message: message.trim() };
  });

  const indexes = await readClusterIndexes(git, options.cluster, path, commits.flatMap(({ commit, parent }) => [commit, ...(parent ? [parent] : [])]));

  let runningCommit: string | undefined;
  if (options.runningRevision !== undefined) {
    const running = parseRevision(options.runningRevision).commit;
    const known = await git.tryRun(['rev-parse', '--verify', '--quiet', '--end-of-options', `${running}^{commit}`]);
    if (known) runningCommit = (await git.tryRun(['log', '--first-parent', '--max-count=1', '--format=%H', known, '--', path])) || undefined;
  }

  const revisions: AppliedRevision[] = [];
  for (const entry of commits) {
    const after = indexes.get(entry.commit);
    const before = entry.parent ? indexes.get(entry.parent) : undefined;
    const changes = after || before ? diffIndexes(before, after) : changesOfFiles(await fileChanges(git, entry.commit, entry.parent, path));
    const trailers = parseTrailers(entry.message);
    const sourceCommit = SOURCE_COMMIT_TRAILERS.map((key) => trailers.get(key.toLowerCase())).find((value) => value !== undefined);
    const rollbackTo = trailers.get(ROLLBACK_TO_TRAILER.toLowerCase());
    revisions.push({
      commit: entry.commit,
      author: entry.author,
      time: entry.time,
      committer: entry.committer,
      commitTime: entry.commitTime,
      subject: entry.message.split('\n')[0] ?? '',
      message: entry.message,
      ...(sourceCommit ? { sourceCommit } : {}),
      ...(rollbackTo ? { rollbackTo } : {}),
      ...(digestOf(after) === undefined ? {} : { digest: digestOf(after) }),
      changes,
      counts: countChanges(changes),
      running: entry.commit === runningCommit,
    });
  }
  return {
    cluster: options.cluster,
    path,
    ref,
    ...(options.runningRevision === undefined ? {} : { running: { revision: options.runningRevision, ...(runningCommit ? { commit: runningCommit } : {}) } }),
    revisions,
  };
}

/** Resolves a branch, tag, commit or `main@sha1:<hash>` to a full commit hash. */
export async function resolveCommit(git: Git, revision: string): Promise<string> {
  const commit = parseRevision(revision).commit;
  if (commit.startsWith('-') || commit.includes('\n')) throw new RevisionNotFoundError(revision, git.dir, 'not a revision');
  const resolved = await git.tryRun(['rev-parse', '--verify', '--quiet', '--end-of-options', `${commit}^{commit}`]);
  if (!resolved) throw new RevisionNotFoundError(revision, git.dir, 'no such commit');
  return resolved;
}

async function fileChanges(git: Git, commit: string, parent: string | undefined, path: string): Promise<{ status: string; file: string }[]> {
  const output = parent
    ? await git.run(['diff', '--name-status', '--no-renames', parent, commit, '--', path])
    : await git.run(['diff-tree', '-r', '--root', '--no-commit-id', '--name-status', '--no-renames', commit, '--', path]);
  return output
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const [status = '', file = ''] = line.split('\t');
      return { status, file: file.startsWith(`${path}/`) ? file.slice(path.length + 1) : file };
    });
}

/** The digest the root Sync records: of the cluster's index, or of its root unit's. */
function digestOf(index: ClusterIndex | undefined): string | undefined {
  if (index === undefined) return undefined;
  if (index.units === undefined) return indexDigest(index);
  const root = index.units.get(ROOT_UNIT);
  return root === undefined ? undefined : indexDigest(root);
}
