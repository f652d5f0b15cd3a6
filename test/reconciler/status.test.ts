import { describe, expect, it } from 'vitest';
import { appendHistory, nextStatus, setCondition } from '../../src/reconciler/status.ts';
import { parseDuration, resolveSpec, type SyncStatus } from '../../src/api/sync.ts';

const t0 = new Date('2026-01-01T00:00:00Z');
const t1 = new Date('2026-01-01T00:01:00Z');
const t2 = new Date('2026-01-01T00:02:00Z');
const rev = (n: number) => `main@sha1:${String(n).repeat(40).slice(0, 40)}`;

describe('conditions', () => {
  it('keeps lastTransitionTime while the status stays the same', () => {
    const first = setCondition(undefined, { type: 'Ready', status: 'False', reason: 'ArtifactFailed', message: 'a' }, t0);
    const second = setCondition(first, { type: 'Ready', status: 'False', reason: 'BuildFailed', message: 'b' }, t1);
    expect(second[0]?.lastTransitionTime).toBe(t0.toISOString());
    expect(second[0]?.reason).toBe('BuildFailed');
    const third = setCondition(second, { type: 'Ready', status: 'True', reason: 'ReconciliationSucceeded', message: 'ok' }, t2);
    expect(third[0]?.lastTransitionTime).toBe(t2.toISOString());
  });

  it('a success sets Ready, clears Reconciling and Stalled, records revision and inventory', () => {
    const previous: SyncStatus = {
      conditions: [
        { type: 'Ready', status: 'False', reason: 'BuildFailed', message: 'bad', lastTransitionTime: t0.toISOString() },
        { type: 'Reconciling', status: 'True', reason: 'Progressing', message: '...', lastTransitionTime: t0.toISOString() },
        { type: 'Stalled', status: 'True', reason: 'BuildFailed', message: 'bad', lastTransitionTime: t0.toISOString() },
      ],
    };
    const update = nextStatus(previous, { kind: 'succeeded', revision: rev(1), digest: 'sha256:a', healthChecked: true }, {
      generation: 3,
      now: t1,
      historyLimit: 5,
      inventory: [{ id: 'default_a__ConfigMap', v: 'v1' }],
    });
    expect(update.transition).toBe('recovered');
    expect(update.status.observedGeneration).toBe(3);
    expect(update.status.lastAppliedRevision).toBe(rev(1));
    expect(update.status.inventory?.entries).toHaveLength(1);
    expect(update.status.conditions?.map((c) => `${c.type}=${c.status}/${c.reason}`)).toEqual(['Ready=True/ReconciliationSucceeded', 'Healthy=True/HealthCheckSucceeded']);
  });

  it('a failure keeps the last applied revision and inventory, and says why', () => {
    const previous: SyncStatus = {
      lastAppliedRevision: rev(1),
      inventory: { entries: [{ id: 'default_a__ConfigMap', v: 'v1' }] },
      conditions: [{ type: 'Ready', status: 'True', reason: 'ReconciliationSucceeded', message: 'ok', lastTransitionTime: t0.toISOString() }],
    };
    const update = nextStatus(previous, { kind: 'failed', reason: 'ArtifactFailed', message: 'fetch failed: connection refused', revision: undefined }, { generation: 1, now: t1, historyLimit: 5 });
    expect(update.transition).toBe('degraded');
    expect(update.status.lastAppliedRevision).toBe(rev(1));
    expect(update.status.inventory?.entries).toHaveLength(1);
    const ready = update.status.conditions?.find((c) => c.type === 'Ready');
    expect(ready).toMatchObject({ status: 'False', reason: 'ArtifactFailed', message: 'fetch failed: connection refused' });
    const again = nextStatus(update.status, { kind: 'failed', reason: 'ArtifactFailed', message: 'still down' }, { generation: 1, now: t2, historyLimit: 5 });
    expect(again.transition).toBeUndefined();
  });

  it('stalled failures set Stalled, health failures set Healthy=False', () => {
    const stalled = nextStatus(undefined, { kind: 'failed', reason: 'BuildFailed', message: 'x', revision: rev(2), stalled: true }, { generation: 1, now: t0, historyLimit: 5 });
    expect(stalled.status.conditions?.map((c) => c.type)).toEqual(['Ready', 'Stalled']);
    expect(stalled.status.lastAttemptedRevision).toBe(rev(2));
    const health = nextStatus(undefined, { kind: 'failed', reason: 'HealthCheckFailed', message: 'Deployment/a/b: 0/1 ready', revision: rev(2) }, { generation: 1, now: t0, historyLimit: 5 });
    expect(health.status.conditions?.find((c) => c.type === 'Healthy')?.status).toBe('False');
  });
});

describe('history', () => {
  it('counts repeats and trims to the limit, newest first', () => {
    let history = appendHistory(undefined, { revision: rev(1), digest: 'd1', result: 'Succeeded', reason: 'ReconciliationSucceeded' }, t0, 3);
    history = appendHistory(history, { revision: rev(1), digest: 'd1', result: 'Succeeded', reason: 'ReconciliationSucceeded' }, t1, 3);
    expect(history).toHaveLength(1);
    expect(history[0]).toMatchObject({ totalReconciliations: 2, firstReconciled: t0.toISOString(), lastReconciled: t1.toISOString() });
    for (let n = 2; n <= 6; n += 1) history = appendHistory(history, { revision: rev(n), digest: `d${n}`, result: 'Succeeded', reason: 'ReconciliationSucceeded' }, t2, 3);
    expect(history.map((entry) => entry.revision)).toEqual([rev(6), rev(5), rev(4)]);
  });
});

describe('spec defaults and durations', () => {
  it('parses Go durations', () => {
    expect(parseDuration('1h30m')).toBe(5_400_000);
    expect(parseDuration('250ms')).toBe(250);
    expect(parseDuration('10s')).toBe(10_000);
    expect(() => parseDuration('10')).toThrow(/invalid duration/);
    expect(() => parseDuration('5 minutes')).toThrow(/invalid duration/);
  });

  it('applies each default once', () => {
    const spec = resolveSpec({ url: 'file:///x', interval: '1m' });
    expect(spec).toMatchObject({ ref: { branch: 'main' }, intervalMs: 60_000, retryIntervalMs: 60_000, timeoutMs: 300_000, prune: true, wait: false, historyLimit: 5, driftMode: 'correct' });
  });
});
