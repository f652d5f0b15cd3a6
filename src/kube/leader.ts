/**
 * Leader election with a coordination.k8s.io/v1 Lease: one replica holds the
 * lease and reconciles; the others retry until it expires. With the defaults
 * (lease 10 s, retry 2 s) a dead leader is replaced within about 12 s; a leader
 * that stops cleanly releases the lease so another takes over at its next retry.
 *
 * A leader stops leading `retryPeriodMs` before its lease could have expired for the others
 * unless it renewed: a timer, not the next answer, decides, so a renewal that hangs on a slow
 * or unreachable apiserver never leaves two replicas leading at once.
 */
import type { AgentApi } from './agent-api.ts';
import { KubeApiError } from './errors.ts';

export interface LeaderElectionOptions {
  readonly namespace: string;
  /** @default 'strata-agent' */
  readonly name?: string;
  /** This replica's identity (pod name). */
  readonly identity: string;
  /** @default 10000 */
  readonly leaseDurationMs?: number;
  /** How often to try to acquire or renew. @default 2000 */
  readonly retryPeriodMs?: number;
  readonly onStartedLeading: () => void;
  readonly onStoppedLeading: () => void;
  readonly onError?: (error: Error) => void;
}

interface Lease {
  metadata: { name: string; namespace: string; resourceVersion?: string };
  spec: {
    holderIdentity?: string | null;
    leaseDurationSeconds?: number;
    acquireTime?: string;
    renewTime?: string | null;
    leaseTransitions?: number;
  };
}

export class LeaderElector {
  private timer: NodeJS.Timeout | undefined;
  private deadline: NodeJS.Timeout | undefined;
  private leading = false;
  private stopped = false;
  private lastRenew = 0;
  private readonly name: string;
  private readonly durationMs: number;
  private readonly retryMs: number;

  constructor(
    private readonly api: AgentApi,
    private readonly options: LeaderElectionOptions,
  ) {
    this.name = options.name ?? 'strata-agent';
    this.durationMs = options.leaseDurationMs ?? 10_000;
    this.retryMs = options.retryPeriodMs ?? 2000;
  }

  get isLeader(): boolean {
    return this.leading;
  }

  start(): void {
    this.stopped = false;
    void this.tick();
  }

  /** Stops trying; a leader releases the lease so another replica can take over at once. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    if (this.deadline) clearTimeout(this.deadline);
    if (this.leading) {
      this.setLeading(false);
      try {
        const lease = await this.api.get<Lease>(this.path());
        if (lease.spec.holderIdentity === this.options.identity) {
          await this.api.request('PUT', this.path(), { ...lease, spec: { ...lease.spec, holderIdentity: null, renewTime: null, leaseDurationSeconds: 1 } });
        }
      } catch {
        // The lease expires on its own.
      }
    }
  }

  private path(): string {
    return `/apis/coordination.k8s.io/v1/namespaces/${this.options.namespace}/leases/${this.name}`;
  }

  private async tick(): Promise<void> {
    if (this.stopped) return;
    try {
      const started = Date.now();
      const ok = await this.tryAcquireOrRenew(AbortSignal.timeout(this.durationMs - this.retryMs));
      if (ok) this.renewed(started);
      if (this.stopped) return;
      if (ok && !this.leading) this.setLeading(true);
      if (!ok && this.leading) this.setLeading(false);
    } catch (error) {
      this.options.onError?.(error as Error);
      // Could not renew: give up leadership before the lease can have expired for others.
      if (this.leading && Date.now() - this.lastRenew > this.durationMs - this.retryMs) this.setLeading(false);
    }
    if (!this.stopped) this.timer = setTimeout(() => void this.tick(), this.retryMs);
  }

  /** The lease is ours until `at` (when the request was sent) plus its duration: stop leading a retry period before. */
  private renewed(at: number): void {
    this.lastRenew = at;
    if (this.deadline) clearTimeout(this.deadline);
    this.deadline = setTimeout(() => {
      if (this.leading && !this.stopped) this.setLeading(false);
    }, Math.max(0, at + this.durationMs - this.retryMs - Date.now()));
  }

  private setLeading(leading: boolean): void {
    this.leading = leading;
    if (leading) this.options.onStartedLeading();
    else this.options.onStoppedLeading();
  }

  private async tryAcquireOrRenew(signal: AbortSignal): Promise<boolean> {
    const now = new Date();
    const seconds = Math.ceil(this.durationMs / 1000);
    const me = this.options.identity;
    const current = await this.api.find<Lease>(this.path(), signal);
    if (!current) {
      try {
        await this.api.request('POST', `/apis/coordination.k8s.io/v1/namespaces/${this.options.namespace}/leases`, {
          apiVersion: 'coordination.k8s.io/v1',
          kind: 'Lease',
          metadata: { name: this.name, namespace: this.options.namespace },
          spec: { holderIdentity: me, leaseDurationSeconds: seconds, acquireTime: micro(now), renewTime: micro(now), leaseTransitions: 0 },
        }, { signal });
        return true;
      } catch (error) {
        if (error instanceof KubeApiError && error.status === 409) return false;
        throw error;
      }
    }
    const holder = current.spec.holderIdentity ?? '';
    const renewed = current.spec.renewTime ? Date.parse(current.spec.renewTime) : 0;
    const expired = holder === '' || renewed + (current.spec.leaseDurationSeconds ?? seconds) * 1000 < now.getTime();
    if (holder !== me && !expired) return false;
    const spec =
      holder === me
        ? { ...current.spec, renewTime: micro(now), leaseDurationSeconds: seconds }
        : { holderIdentity: me, leaseDurationSeconds: seconds, acquireTime: micro(now), renewTime: micro(now), leaseTransitions: (current.spec.leaseTransitions ?? 0) + 1 };
    try {
      await this.api.request('PUT', this.path(), { ...current, spec }, { signal });
      return true;
    } catch (error) {
      if (error instanceof KubeApiError && error.status === 409) return false;
      throw error;
    }
  }
}

function micro(date: Date): string {
  return date.toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}
