// What a reconcile is worth telling, from the status before and after.
import { describe, expect, it } from 'vitest';
import { notificationsOf } from '../../src/reconciler/notification.ts';
import type { ReconcileResult } from '../../src/reconciler/sync-reconciler.ts';
import type { Sync, SyncStatus } from '../../src/api/sync.ts';

const REV1 = `main@sha1:${'1'.repeat(40)}`;
const REV2 = `main@sha1:${'2'.repeat(40)}`;
const ready = (status: 'True' | 'False', reason: string, revision: string, time = '2026-12-07T16:00:00Z'): SyncStatus => ({
  conditions: [{ type: 'Ready', status, reason: reason as 'ReconciliationSucceeded', message: `${reason} at ${revision}`, lastTransitionTime: time }],
  lastAppliedRevision: REV1,
  lastAttemptedRevision: revision,
});
const sync = (status?: SyncStatus): Sync => ({ apiVersion: 'strata.dev/v1alpha1', kind: 'Sync', metadata: { name: 'app', namespace: 'team-a', uid: 'u-1' }, spec: { url: 'x' }, ...(status ? { status } : {}) });
const now = new Date('2026-12-07T16:05:00Z');
const change = (action: string) => ({ ref: { apiVersion: 'v1', kind: 'ConfigMap', namespace: 'team-a', name: 'a' }, subject: 'ConfigMap/team-a/a', action }) as never;

describe('notificationsOf', () => {
  it('failed on the transition only, recovered, revision applied with its objects, drift corrected', () => {
    const failed: ReconcileResult = { outcome: { kind: 'failed', reason: 'BuildFailed', message: 'bad', revision: REV2 } as never, status: ready('False', 'BuildFailed', REV2), transition: 'degraded', requeueAfterMs: 0, revision: REV2 };
    expect(notificationsOf({ before: sync(ready('True', 'ReconciliationSucceeded', REV1)), result: failed, drift: false, now }).map((n) => [n.event, n.revision, n.severity])).toEqual([['failed', REV2, 'error']]);
    // Still failing: nothing new.
    expect(notificationsOf({ before: sync(ready('False', 'BuildFailed', REV2)), result: { ...failed, transition: undefined } as ReconcileResult, drift: false, now })).toEqual([]);

    const appliedStatus = { ...ready('True', 'ReconciliationSucceeded', REV2), lastAppliedRevision: REV2 };
    const applied: ReconcileResult = { outcome: { kind: 'succeeded', revision: REV2, digest: 'd', healthChecked: false }, status: appliedStatus, transition: 'recovered', requeueAfterMs: 0, revision: REV2, changes: [change('configured'), change('unchanged')] };
    const told = notificationsOf({ before: sync(ready('False', 'BuildFailed', REV2)), result: applied, drift: false, now });
    expect(told.map((n) => n.event)).toEqual(['recovered', 'revision-applied']);
    expect(told[1]).toMatchObject({ revision: REV2, message: `Applied revision: ${REV2}`, objects: ['ConfigMap/team-a/a configured'] });

    // The same revision again (a restarted agent): nothing; with drift re-applying objects: drift-corrected.
    const again = { ...applied, transition: undefined } as ReconcileResult;
    expect(notificationsOf({ before: sync(appliedStatus), result: again, drift: false, now })).toEqual([]);
    expect(notificationsOf({ before: sync(appliedStatus), result: again, drift: true, now }).map((n) => n.event)).toEqual(['drift-corrected']);
    expect(notificationsOf({ before: sync(appliedStatus), result: { ...again, changes: [change('unchanged')] }, drift: true, now })).toEqual([]);
  });

  it('hook-failed names the hooks that failed, beside failed, and only when a hook failed', () => {
    const status = ready('False', 'HealthCheckFailed', REV2);
    const base: ReconcileResult = { outcome: { kind: 'failed', reason: 'HealthCheckFailed', message: 'bad', revision: REV2 } as never, status, transition: 'degraded', requeueAfterMs: 0, revision: REV2 };
    const before = sync(ready('True', 'ReconciliationSucceeded', REV1));
    const told = notificationsOf({ before, result: { ...base, failedHooks: ['Job/team-a/migrate'] }, drift: false, now });
    expect(told.map((n) => [n.event, n.severity])).toEqual([['failed', 'error'], ['hook-failed', 'error']]);
    expect(told[1]).toMatchObject({ revision: REV2, objects: ['Job/team-a/migrate'] });
    expect(told[1]?.message).toContain('Hook failed: Job/team-a/migrate: HealthCheckFailed');
    expect(notificationsOf({ before, result: base, drift: false, now }).map((n) => n.event)).toEqual(['failed']);
  });

  it('gives the same happening the same id, and another happening another', () => {
    const result: ReconcileResult = { outcome: { kind: 'failed', reason: 'BuildFailed', message: 'bad', revision: REV2 } as never, status: ready('False', 'BuildFailed', REV2), transition: 'degraded', requeueAfterMs: 0, revision: REV2 };
    const before = sync(ready('True', 'ReconciliationSucceeded', REV1));
    const [a] = notificationsOf({ before, result, drift: false, now });
    const [b] = notificationsOf({ before, result, drift: false, now: new Date('2026-12-07T17:00:00Z') });
    const [c] = notificationsOf({ before, result: { ...result, status: ready('False', 'BuildFailed', REV2, '2026-12-07T16:30:00Z') }, drift: false, now });
    expect(a?.id).toBe(b?.id);
    expect(c?.id).not.toBe(a?.id);
  });
});
