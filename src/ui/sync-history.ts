// What the Sync page shows from Git: the applied revisions of the Sync's folder, read as
// `strata history` reads them (src/gitops/history.ts) from the UI's mirror of the Sync's
// repository, and what the last revision changed: the objects it created, configured and pruned,
// from the `index.json` of the revision before it and of the one applied.
import path from 'node:path';
import type { Sync } from '../api/index.ts';
import { commitOf, type Git } from '../git/index.ts';
// The files, not the room's index: the index pulls in bootstrap and the compiler.
import { readHistory } from '../gitops/history.ts';
import { diffIndexes, parseIndex, type ObjectChange } from '../gitops/object-changes.ts';
import { headOf, type Repositories, type SourceCommit } from './repositories.ts';

/** What applying a revision did to an object: the closed set the page names. */
export type AppliedChange = 'created' | 'configured' | 'pruned' | 'orphaned';

export interface RevisionView {
  readonly commit: string;
  readonly subject: string;
  readonly author: string;
  readonly time: string;
  readonly sourceCommit?: string;
  readonly counts: { readonly added: number; readonly changed: number; readonly removed: number };
  /** The revision the Sync last applied. */
  readonly running: boolean;
}

export interface LastChange {
  /** The revision applied before (`main@sha1:…`), when the Sync's history names one. */
  readonly from?: string;
  readonly to: string;
  readonly changes: readonly { readonly action: AppliedChange; readonly subject: string }[];
}

export interface SyncGitView {
  /** The commit the Sync's ref names on the remote now. */
  readonly head?: { readonly name: string; readonly commit: string };
  readonly source?: SourceCommit;
  readonly revisions: readonly RevisionView[];
  readonly lastChange?: LastChange;
}

const HISTORY_LIMIT = 20;

/** Splits a Sync's path `deploy/<cluster>` as readHistory takes it. */
function splitPath(syncPath: string): { deployDir: string; cluster: string } {
  const normalized = path.posix.normalize(syncPath.replace(/\/+$/, '') || '.');
  if (normalized === '.' || normalized.startsWith('..')) throw new Error(`path ${JSON.stringify(syncPath)}: the history needs a folder of the repository, such as deploy/<cluster>`);
  return { deployDir: path.posix.dirname(normalized), cluster: path.posix.basename(normalized) };
}

export async function syncGitView(repositories: Repositories, sync: Sync): Promise<SyncGitView> {
  const git = await repositories.fresh(sync.spec.url);
  const head = await headOf(git, sync.spec.ref ?? { branch: 'main' });
  const applied = sync.status?.lastAppliedRevision;
  const [source, history] = await Promise.all([
    applied ? repositories.sourceCommit(sync.spec.url, applied).catch(() => undefined) : undefined,
    head || applied ? readHistory({ ...splitPath(sync.spec.path ?? ''), dir: git.dir, ref: head?.commit ?? applied ?? 'HEAD', limit: HISTORY_LIMIT, ...(applied ? { runningRevision: applied } : {}) }) : undefined,
  ]);
  const revisions = (history?.revisions ?? []).map(
    (revision): RevisionView => ({
      commit: revision.commit,
      subject: revision.subject,
      author: revision.author.name,
      time: revision.time,
      ...(revision.sourceCommit ? { sourceCommit: revision.sourceCommit } : {}),
      counts: revision.counts,
      running: revision.running,
    }),
  );
  const lastChange = applied ? await lastChangeOf(git, sync, applied, history?.revisions.find((revision) => revision.running)?.changes) : undefined;
  return { ...(head ? { head } : {}), ...(source ? { source } : {}), revisions, ...(lastChange ? { lastChange } : {}) };
}

/**
 * The objects the last applied revision created, configured and pruned: its index against the
 * index of the revision applied before it (the agent's history), else against its parent commit's.
 */
async function lastChangeOf(git: Git, sync: Sync, applied: string, ofCommit: readonly ObjectChange[] | undefined): Promise<LastChange | undefined> {
  const to = commitOf(applied);
  if (!to) return undefined;
  const before = (sync.status?.history ?? []).find((entry) => entry.result === 'Succeeded' && entry.revision !== applied)?.revision;
  const from = before ? commitOf(before) : undefined;
  let changes = ofCommit;
  if (from) {
    const file = `${(sync.spec.path ?? '').replace(/\/+$/, '')}/index.json`;
    const blobs = await git.readBlobs([`${from}:${file}`, `${to}:${file}`]);
    const [old, now] = [parseIndex(blobs.get(`${from}:${file}`)), parseIndex(blobs.get(`${to}:${file}`))];
    if (old || now) changes = diffIndexes(old, now);
  }
  if (!changes) return undefined;
  const removed: AppliedChange = sync.spec.prune === false ? 'orphaned' : 'pruned';
  const named = { added: 'created', changed: 'configured', removed } as const;
  return { ...(before && from ? { from: before } : {}), to: applied, changes: changes.map((change) => ({ action: named[change.action], subject: change.subject })) };
}
