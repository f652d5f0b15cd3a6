/**
 * Status as data: pure functions that turn the outcome of one reconciliation
 * into conditions, history and the fields `kubectl get syncs` shows. No I/O here;
 * the reconciler writes what these return.
 */
import type {
  Condition,
  ConditionReason,
  ConditionStatus,
  ConditionType,
  HistoryEntry,
  HistoryResult,
  InventoryEntry,
  SyncStatus,
} from '../api/index.ts';

/** How one reconciliation ended: the closed set of outcomes the status is computed from. */
export type Outcome =
  | { readonly kind: 'succeeded'; readonly revision: string; readonly digest: string; readonly healthChecked: boolean; readonly message?: string }
  | {
      readonly kind: 'failed';
      readonly reason: Exclude<ConditionReason, 'ReconciliationSucceeded' | 'Progressing' | 'Suspended' | 'HealthCheckSucceeded'>;
      readonly message: string;
      /** The revision attempted, when the source got that far. */
      readonly revision?: string;
      readonly digest?: string;
      /** Retrying cannot help until the spec or the revision changes (Stalled=True). */
      readonly stalled?: boolean;
    }
  | { readonly kind: 'progressing'; readonly message: string };

/** Sets one condition, keeping lastTransitionTime when the status did not change. Result is sorted by type. */
export function setCondition(conditions: readonly Condition[] | undefined, next: Omit<Condition, 'lastTransitionTime'>, now: Date): Condition[] {
  const current = (conditions ?? []).find((condition) => condition.type === next.type);
  const lastTransitionTime = current && current.status === next.status ? current.lastTransitionTime : now.toISOString();
  const rest = (conditions ?? []).filter((condition) => condition.type !== next.type);
  return [...rest, { ...next, lastTransitionTime }].sort((a, b) => CONDITION_ORDER.indexOf(a.type) - CONDITION_ORDER.indexOf(b.type));
}

export function removeCondition(conditions: readonly Condition[] | undefined, type: ConditionType): Condition[] {
  return (conditions ?? []).filter((condition) => condition.type !== type);
}

const CONDITION_ORDER: readonly ConditionType[] = ['Ready', 'Reconciling', 'Stalled', 'Healthy'];

export function findCondition(status: SyncStatus | undefined, type: ConditionType): Condition | undefined {
  return status?.conditions?.find((condition) => condition.type === type);
}

export function isReady(status: SyncStatus | undefined, generation: number | undefined): boolean {
  const ready = findCondition(status, 'Ready');
  return ready?.status === 'True' && (generation === undefined || status?.observedGeneration === generation);
}

/** Conditions while a reconciliation runs: Reconciling=True, Ready=Unknown (unless it was already decided for this generation). */
export function progressingConditions(conditions: readonly Condition[] | undefined, message: string, generation: number, now: Date): Condition[] {
  let next = setCondition(conditions, { type: 'Reconciling', status: 'True', reason: 'Progressing', message, observedGeneration: generation }, now);
  const ready = findCondition({ conditions }, 'Ready');
  if (!ready) next = setCondition(next, { type: 'Ready', status: 'Unknown', reason: 'Progressing', message, observedGeneration: generation }, now);
  return next;
}

/** The conditions an outcome leads to. */
export function outcomeConditions(conditions: readonly Condition[] | undefined, outcome: Outcome, generation: number, now: Date): Condition[] {
  const base = { observedGeneration: generation };
  if (outcome.kind === 'progressing') return progressingConditions(conditions, outcome.message, generation, now);
  if (outcome.kind === 'succeeded') {
    const message = outcome.message ?? `Applied revision: ${outcome.revision}`;
    let next = setCondition(conditions, { ...base, type: 'Ready', status: 'True', reason: 'ReconciliationSucceeded', message }, now);
    next = removeCondition(removeCondition(next, 'Reconciling'), 'Stalled');
    if (outcome.healthChecked) next = setCondition(next, { ...base, type: 'Healthy', status: 'True', reason: 'HealthCheckSucceeded', message: 'Health check passed' }, now);
    else next = removeCondition(next, 'Healthy');
    return next;
  }
  let next = setCondition(conditions, { ...base, type: 'Ready', status: 'False', reason: outcome.reason, message: outcome.message }, now);
  next = removeCondition(next, 'Reconciling');
  next = outcome.stalled
    ? setCondition(next, { ...base, type: 'Stalled', status: 'True', reason: outcome.reason, message: outcome.message }, now)
    : removeCondition(next, 'Stalled');
  if (outcome.reason === 'HealthCheckFailed') next = setCondition(next, { ...base, type: 'Healthy', status: 'False', reason: 'HealthCheckFailed', message: outcome.message }, now);
  return next;
}

/**
 * Records one reconciliation in the history: a repeat of the newest entry's
 * revision, digest and result bumps its count and time; anything else is added
 * in front. Keeps at most `limit` entries.
 */
export function appendHistory(
  history: readonly HistoryEntry[] | undefined,
  record: { revision: string; digest: string; result: HistoryResult; reason: ConditionReason },
  now: Date,
  limit: number,
): HistoryEntry[] {
  const time = now.toISOString();
  const entries = [...(history ?? [])];
  const [newest] = entries;
  if (newest && newest.revision === record.revision && newest.digest === record.digest && newest.result === record.result && newest.reason === record.reason) {
    entries[0] = { ...newest, lastReconciled: time, totalReconciliations: newest.totalReconciliations + 1 };
  } else {
    entries.unshift({ ...record, firstReconciled: time, lastReconciled: time, totalReconciliations: 1 });
  }
  return entries.slice(0, Math.max(1, limit));
}

export interface StatusUpdate {
  readonly status: SyncStatus;
  /** Ready flipped: from True to not True (`degraded`) or back (`recovered`). */
  readonly transition?: 'degraded' | 'recovered';
}

/**
 * The whole status after an outcome. The inventory is replaced only when given
 * (after a successful apply), so a failed revision keeps the last good one.
 */
export function nextStatus(
  previous: SyncStatus | undefined,
  outcome: Outcome,
  context: { generation: number; now: Date; historyLimit: number; inventory?: readonly InventoryEntry[]; handledReconcileAt?: string },
): StatusUpdate {
  const { generation, now } = context;
  const conditions = outcomeConditions(previous?.conditions, outcome, generation, now);
  let status: SyncStatus = { ...previous, conditions, observedGeneration: generation };
  if (context.handledReconcileAt !== undefined) status = { ...status, lastHandledReconcileAt: context.handledReconcileAt };
  if (context.inventory !== undefined) status = { ...status, inventory: { entries: [...context.inventory] } };
  if (outcome.kind === 'succeeded') {
    status = {
      ...status,
      lastAppliedRevision: outcome.revision,
      lastAttemptedRevision: outcome.revision,
      history: appendHistory(previous?.history, { revision: outcome.revision, digest: outcome.digest, result: 'Succeeded', reason: 'ReconciliationSucceeded' }, now, context.historyLimit),
    };
  } else if (outcome.kind === 'failed') {
    if (outcome.revision !== undefined) status = { ...status, lastAttemptedRevision: outcome.revision };
    if (outcome.revision !== undefined && outcome.reason !== 'DependencyNotReady') {
      status = {
        ...status,
        history: appendHistory(previous?.history, { revision: outcome.revision, digest: outcome.digest ?? '', result: 'Failed', reason: outcome.reason }, now, context.historyLimit),
      };
    }
  }
  const wasReady = findCondition(previous, 'Ready')?.status === 'True';
  const hadReady = findCondition(previous, 'Ready') !== undefined;
  const nowReady = conditions.find((condition) => condition.type === 'Ready')?.status as ConditionStatus | undefined;
  let transition: StatusUpdate['transition'];
  if (wasReady && nowReady === 'False') transition = 'degraded';
  else if (!wasReady && nowReady === 'False' && (!hadReady || findCondition(previous, 'Ready')?.status === 'Unknown')) transition = 'degraded';
  else if (!wasReady && hadReady && findCondition(previous, 'Ready')?.status === 'False' && nowReady === 'True') transition = 'recovered';
  return transition === undefined ? { status } : { status, transition };
}
