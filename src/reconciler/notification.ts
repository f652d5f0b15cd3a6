/**
 * What one reconcile is worth telling: the notifications a result produces, as data. The status
 * before and after decide, so a restarted agent re-reconciling an applied revision tells nobody
 * again. Each carries an id that is the same for the same happening (dedupe, receivers' too).
 */
import { createHash } from 'node:crypto';
import type { NotificationEvent, Sync } from '../api/index.ts';
import { findCondition } from './status.ts';
import type { ReconcileResult } from './sync-reconciler.ts';

export interface Notification {
  /** Stable for the same happening: sha256 of Sync uid, event, revision and transition. */
  readonly id: string;
  readonly event: NotificationEvent;
  /** `namespace/name`. */
  readonly sync: string;
  /** The revision concerned: applied, or attempted for a failure. */
  readonly revision: string;
  readonly reason: string;
  readonly message: string;
  readonly severity: 'error' | 'info';
  readonly timestamp: string;
  /** `Kind/namespace/name action` of the objects changed (revision applied, drift corrected). */
  readonly objects?: readonly string[];
}

export interface NotificationInput {
  /** The Sync as read before the reconcile. */
  readonly before: Sync;
  readonly result: ReconcileResult;
  /** Whether drift triggered the run. */
  readonly drift: boolean;
  readonly now: Date;
}

/** The notifications of one reconcile, in a fixed order: failed, hook failed or recovered, then applied or drift. */
export function notificationsOf(input: NotificationInput): Notification[] {
  const { before, result, now } = input;
  const status = result.status;
  if (!status) return [];
  const key = `${before.metadata.namespace ?? 'default'}/${before.metadata.name}`;
  const ready = findCondition(status, 'Ready');
  const changed = (result.changes ?? []).filter((entry) => entry.action !== 'unchanged' && entry.action !== 'skipped').map((entry) => `${entry.subject} ${entry.action}`);
  const uid = before.metadata.uid ?? key;
  const make = (event: NotificationEvent, revision: string, discriminator: string, fields: Partial<Notification> = {}): Notification => ({
    id: createHash('sha256').update(JSON.stringify([uid, event, revision, discriminator])).digest('hex').slice(0, 32),
    event,
    sync: key,
    revision,
    reason: ready?.reason ?? 'Unknown',
    message: ready?.message ?? '',
    severity: 'info',
    timestamp: now.toISOString(),
    ...fields,
  });
  const out: Notification[] = [];
  const attempted = result.revision ?? status.lastAttemptedRevision ?? '';
  if (result.transition === 'degraded') out.push(make('failed', attempted, ready?.lastTransitionTime ?? now.toISOString(), { severity: 'error' }));
  if (result.failedHooks?.length) {
    const hooks = result.failedHooks;
    out.push(make('hook-failed', attempted, hooks.join(','), { severity: 'error', message: `Hook failed: ${hooks.join(', ')}: ${ready?.message ?? ''}`, objects: [...hooks] }));
  }
  if (result.transition === 'recovered') out.push(make('recovered', status.lastAppliedRevision ?? attempted, ready?.lastTransitionTime ?? now.toISOString()));
  if (result.outcome.kind === 'succeeded') {
    const applied = status.lastAppliedRevision ?? result.outcome.revision;
    if (applied !== before.status?.lastAppliedRevision) {
      out.push(make('revision-applied', applied, '', { message: `Applied revision: ${applied}`, objects: changed }));
    } else if (input.drift && changed.length > 0) {
      out.push(make('drift-corrected', applied, now.toISOString(), { message: `Drift corrected: ${changed.join(', ')}`, objects: changed }));
    }
  }
  return out;
}

/** The `image-updated` notification for a Sync whose repository an ImageUpdate pushed to. */
export function imageUpdatedNotification(sync: Sync, imageUpdate: string, commit: string, lines: readonly string[], now: Date): Notification {
  const key = `${sync.metadata.namespace ?? 'default'}/${sync.metadata.name}`;
  return {
    id: createHash('sha256').update(JSON.stringify([sync.metadata.uid ?? key, 'image-updated', commit])).digest('hex').slice(0, 32),
    event: 'image-updated',
    sync: key,
    revision: `sha1:${commit}`,
    reason: 'ImageUpdated',
    message: `ImageUpdate ${imageUpdate} pushed ${commit.slice(0, 12)}: ${lines.join(', ') || 'no image changed'}`,
    severity: 'info',
    timestamp: now.toISOString(),
    objects: lines,
  };
}
