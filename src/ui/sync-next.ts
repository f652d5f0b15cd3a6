// What the next reconcile of a Sync would change: the folder at the head of its ref, compared
// with the live cluster by server-side dry-run (the engine's diffLive, as `strata diff --sync`),
// with the user's own credentials. Secrets are named only: no diff, masked or not, leaves the
// server for them, and SOPS-encrypted objects (the UI holds no keys) are listed as not compared.
import type { Sync } from '../api/index.ts';
import { ownerLabels } from '../api/index.ts';
import { DiffError, diffLive, type DiffEntry } from '../engine/index.ts';
import type { Git } from '../git/index.ts';
import type { KubeClient } from '../kube/index.ts';
import { ManifestSet, parseManifestFiles, refOf, describeRef as describeObject, type ManifestFile } from '../manifest/index.ts';
import { isSopsEncrypted, withTargetNamespace } from '../reconciler/index.ts';
import { headOf, type Repositories } from './repositories.ts';

export interface NextChange {
  readonly subject: string;
  readonly kind: string;
  /** The engine's closed set: create, update, delete (prune), none, skip. */
  readonly action: DiffEntry['action'] | 'error';
  readonly message?: string;
  /** Unified diff live → desired; never for a Secret. */
  readonly diff?: string;
}

export interface SyncNextView {
  /** `main@sha1:<hash>`: the revision the next reconcile would apply. */
  readonly revision: string;
  /** True when it is the revision applied last (what is left is drift). */
  readonly applied: boolean;
  /** Every object that would change (unchanged ones counted only). */
  readonly changes: readonly NextChange[];
  readonly unchanged: number;
}

const MAX_FILE_BYTES = 1024 * 1024;

export async function syncNextView(repositories: Repositories, client: KubeClient, sync: Sync): Promise<SyncNextView> {
  const git = await repositories.fresh(sync.spec.url);
  const head = await headOf(git, sync.spec.ref ?? { branch: 'main' });
  if (!head) throw new Error(`the ref of Sync ${sync.metadata.namespace}/${sync.metadata.name} names no commit in its repository`);
  const revision = head.name === '' ? `sha1:${head.commit}` : `${head.name}@sha1:${head.commit}`;
  const all = parseManifestFiles(await filesAt(git, head.commit, sync.spec.path ?? ''));
  const encrypted = all.entries.filter((entry) => isSopsEncrypted(entry.object));
  const set = withTargetNamespace(ManifestSet.fromObjects(all.entries.filter((entry) => !isSopsEncrypted(entry.object)).map((entry) => entry.object)), sync.spec.targetNamespace);
  const options = { ownerLabels: ownerLabels(sync.metadata.name, sync.metadata.namespace ?? ''), inventory: sync.status?.inventory?.entries ?? [] };
  let entries: readonly DiffEntry[];
  let failed: NextChange[] = [];
  try {
    entries = (await diffLive(client, set, options)).entries;
  } catch (error) {
    if (!(error instanceof DiffError)) throw error;
    entries = error.result.entries;
    failed = error.errors.map((objectError) => ({ subject: describeObject(objectError.ref), kind: objectError.ref.kind, action: 'error', message: objectError.message }));
  }
  const changes: NextChange[] = [
    ...entries.filter((entry) => entry.action !== 'none').map((entry): NextChange => {
      const secret = entry.ref.kind === 'Secret' && entry.ref.group === '';
      return {
        subject: entry.subject,
        kind: entry.ref.kind,
        action: entry.action,
        ...(entry.message && !secret ? { message: entry.message } : {}),
        ...(entry.diff && !secret ? { diff: entry.diff } : {}),
      };
    }),
    ...failed,
    ...encrypted.map((entry): NextChange => ({ subject: describeObject(refOf(entry.object)), kind: entry.ref.kind, action: 'skip', message: 'encrypted with SOPS: not compared (the UI holds no keys)' })),
  ];
  return { revision, applied: revision === sync.status?.lastAppliedRevision, changes, unchanged: entries.filter((entry) => entry.action === 'none').length };
}

/** The manifest files of `folder` at `commit`, relative to it, as the agent reads a checkout (YAML and JSON, capped). */
export async function filesAt(git: Git, commit: string, folder: string): Promise<ManifestFile[]> {
  const prefix = folder.replace(/^\.?\/*/, '').replace(/\/+$/, '');
  const listing = await git.run(['ls-tree', '-r', '-z', '--long', '--full-tree', commit, '--', ...(prefix ? [`${prefix}/`] : [])]);
  const wanted: { file: string; size: number }[] = [];
  for (const line of listing.split('\0').filter(Boolean)) {
    const match = /^\d+ blob [0-9a-f]+\s+(\d+)\t(.*)$/s.exec(line);
    if (!match || !/\.(ya?ml|json)$/i.test(match[2] ?? '')) continue;
    wanted.push({ file: match[2] ?? '', size: Number(match[1]) });
  }
  const tooLarge = wanted.filter(({ size }) => size > MAX_FILE_BYTES);
  if (tooLarge.length > 0) throw new Error(`${tooLarge.map(({ file, size }) => `${file}: ${size} bytes`).join(', ')}: over the limit of ${MAX_FILE_BYTES} bytes`);
  const blobs = await git.readBlobs(wanted.map(({ file }) => `${commit}:${file}`));
  return wanted.map(({ file }) => ({ path: prefix ? file.slice(prefix.length + 1) : file, text: blobs.get(`${commit}:${file}`) ?? '' }));
}
