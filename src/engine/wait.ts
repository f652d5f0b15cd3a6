/**
 * Waiting for objects to become healthy (kstatus Current), like Flux's `wait`:
 * every `intervalMs` the objects not yet Current are read and judged by the rule
 * table of health.ts. Fails fast when one is Failed, times out with the list of
 * what is not ready, and stops at once when `signal` aborts (a new revision
 * cancels a running health check).
 */
import pLimit from 'p-limit';
import { describeRef, type ObjectRef } from '../manifest/index.ts';
import { formatDuration } from '../api/index.ts';
import { ObjectError } from './apply.ts';
import type { KubeClient } from '../kube/index.ts';
import { computeHealth, type HealthRule, type HealthStatus } from './health.ts';
import { messageOf, sleep } from './_util.ts';

/** Options of {@link waitForHealthy}. */
export interface WaitOptions {
  /** Give up after this long. */
  readonly timeoutMs: number;
  /**
   * Pause between two reads of the objects not yet ready.
   * @default 500
   */
  readonly intervalMs?: number;
  /** Stops waiting (rejects with the abort reason). @default never */
  readonly signal?: AbortSignal;
  /**
   * Read as this user.
   * @default the client's own user
   */
  readonly impersonate?: string;
  /**
   * Rules that replace the built-in one of their kind, keyed `group/Kind` (a Sync's `healthCheckExprs`).
   * @default none
   */
  readonly rules?: ReadonlyMap<string, HealthRule>;
  /**
   * Most reads in flight at once.
   * @default 8
   */
  readonly concurrency?: number;
  /**
   * Told, after a round of reads, which objects are not ready yet, whenever that list differs
   * from the previous round's (so a caller can say what it waits for).
   * @default nobody
   */
  readonly onPending?: (pending: readonly HealthEntry[]) => void;
}

export const DEFAULT_WAIT_OPTIONS = { intervalMs: 500, concurrency: 8 } as const;

/** The health of one object at the end of the wait. */
export interface HealthEntry {
  readonly ref: ObjectRef;
  readonly subject: string;
  readonly status: HealthStatus;
  readonly message: string;
}

export interface HealthReport {
  readonly entries: readonly HealthEntry[];
  /** How long the wait took. */
  readonly elapsedMs: number;
}

/** Some object Failed, or the time ran out; one ObjectError per object not Current. */
export class HealthCheckError extends AggregateError {
  override readonly name = 'HealthCheckError';
  /** One error per object, each naming it. */
  declare errors: ObjectError[];
  constructor(
    readonly reason: 'Failed' | 'Timeout',
    errors: readonly ObjectError[],
    readonly report: HealthReport,
  ) {
    super(errors, errors.map((error) => error.message).join('\n'));
    this.errors = [...errors];
  }
}

/** Resolves when every object is Current; throws HealthCheckError (Failed first, else Timeout). */
export async function waitForHealthy(client: KubeClient, refs: readonly ObjectRef[], options: WaitOptions): Promise<HealthReport> {
  const api = client.impersonating(options.impersonate);
  const limit = pLimit(options.concurrency ?? DEFAULT_WAIT_OPTIONS.concurrency);
  const started = Date.now();
  const latest = new Map<string, HealthEntry>(refs.map((ref) => [describeRef(ref), { ref, subject: describeRef(ref), status: 'Unknown', message: 'not read yet' }]));
  let pending = [...refs];
  let lastTold = '';
  const report = (): HealthReport => ({ entries: [...latest.values()], elapsedMs: Date.now() - started });
  for (;;) {
    options.signal?.throwIfAborted();
    const checked = await Promise.all(
      pending.map((ref) =>
        limit(async (): Promise<HealthEntry> => {
          const subject = describeRef(ref);
          try {
            return { ref, subject, ...computeHealth(await api.get(ref, options.signal), options.rules) };
          } catch (error) {
            if (options.signal?.aborted) throw options.signal.reason;
            return { ref, subject, status: 'Unknown', message: messageOf(error) };
          }
        }),
      ),
    );
    for (const entry of checked) latest.set(entry.subject, entry);
    const failed = checked.filter((entry) => entry.status === 'Failed');
    if (failed.length > 0) throw new HealthCheckError('Failed', failed.map((entry) => new ObjectError(entry.ref, `health check failed: ${entry.message}`)), report());
    const notCurrent = checked.filter((entry) => entry.status !== 'Current');
    pending = notCurrent.map((entry) => entry.ref);
    if (pending.length === 0) return report();
    const told = notCurrent.map((entry) => `${entry.subject}\0${entry.status}\0${entry.message}`).join('\n');
    if (told !== lastTold) options.onPending?.(notCurrent);
    lastTold = told;
    const elapsed = Date.now() - started;
    if (elapsed >= options.timeoutMs) {
      throw new HealthCheckError(
        'Timeout',
        notCurrent.map((entry) => new ObjectError(entry.ref, `not ready after ${formatDuration(options.timeoutMs)}: ${entry.status}: ${entry.message}`)),
        report(),
      );
    }
    await sleep(Math.min(options.intervalMs ?? DEFAULT_WAIT_OPTIONS.intervalMs, options.timeoutMs - elapsed), options.signal);
  }
}
