// What the fleet page shows of a Sync or an ImageUpdate: a row of plain fields, never the object
// (a page gets only what it draws, so nothing else the object holds can leave the server).
import { RECONCILE_REQUESTED_AT, type ImageUpdate, type Sync } from '../api/index.ts';
import { redactUrl } from '../git/index.ts';
import { imageUpdateReady } from '../images/index.ts';
import { findCondition } from '../reconciler/index.ts';
import { environmentOf } from './environments.ts';
import type { SourceCommit } from './repositories.ts';

export interface FleetRow {
  readonly context: string;
  readonly kind: 'Sync' | 'ImageUpdate';
  readonly namespace: string;
  readonly name: string;
  /** `True`, `False` or `Unknown`. */
  readonly ready: string;
  readonly reason: string;
  readonly message: string;
  readonly revision: string;
  readonly suspended: boolean;
  readonly created: string;
  readonly reconcileRequestedAt: string;
  /** The Git URL the Sync follows, credentials redacted (ImageUpdates: empty). */
  readonly repository: string;
  /** How many objects the Sync's inventory holds (ImageUpdates: 0). */
  readonly objects: number;
  /** The cluster whose compiled folder (`deploy/<cluster>`) the Sync applies: an environment; else empty. */
  readonly environment: string;
  /** The commit the revision was compiled from (Syncs), once read from the Sync's Git source. */
  readonly source?: SourceCommit;
  /** Why the source commit could not be read (the repository's answer, credentials redacted). */
  readonly sourceError?: string;
}

export function syncRow(context: string, sync: Sync): FleetRow {
  const ready = findCondition(sync.status, 'Ready');
  return {
    context,
    kind: 'Sync',
    namespace: sync.metadata.namespace ?? '',
    name: sync.metadata.name,
    ready: ready?.status ?? 'Unknown',
    reason: ready?.reason ?? '',
    message: ready?.message ?? '',
    revision: sync.status?.lastAppliedRevision ?? '',
    suspended: sync.spec.suspend === true,
    created: String((sync.metadata as { creationTimestamp?: string }).creationTimestamp ?? ''),
    reconcileRequestedAt: (sync.metadata as { annotations?: Record<string, string> }).annotations?.[RECONCILE_REQUESTED_AT] ?? '',
    environment: environmentOf(sync),
    repository: redactUrl(sync.spec.url),
    objects: sync.status?.inventory?.entries.length ?? 0,
  };
}

export function imageUpdateRow(context: string, update: ImageUpdate): FleetRow {
  const ready = imageUpdateReady(update);
  return {
    context,
    kind: 'ImageUpdate',
    namespace: update.metadata.namespace ?? '',
    name: update.metadata.name,
    ready: ready?.status ?? 'Unknown',
    reason: ready?.reason ?? '',
    message: ready?.message ?? '',
    revision: update.status?.lastPushedCommit ?? '',
    suspended: update.spec.suspend === true,
    created: String((update.metadata as { creationTimestamp?: string }).creationTimestamp ?? ''),
    reconcileRequestedAt: (update.metadata as { annotations?: Record<string, string> }).annotations?.[RECONCILE_REQUESTED_AT] ?? '',
    environment: '',
    repository: '',
    objects: 0,
  };
}
