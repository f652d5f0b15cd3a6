/**
 * Replayed deliveries: the keys (delivery ids, signatures) of authenticated /hook deliveries
 * seen within a window. A key seen again inside it marks a replay (or a forge's "redeliver"),
 * which is dropped. Only authenticated deliveries are remembered, so nobody without the secret
 * can fill the memory or block a real delivery; it holds at most `capacity` keys, oldest out.
 */
export interface ReplayGuardOptions {
  /** How long a key is remembered. @default 600000 (10 minutes) */
  readonly windowMs?: number;
  /** Most keys remembered. @default 10000 */
  readonly capacity?: number;
  /** @default performance.now */
  readonly now?: () => number;
}

export class ReplayGuard {
  private readonly seen = new Map<string, number>();
  private readonly windowMs: number;
  private readonly capacity: number;
  private readonly now: () => number;

  constructor(options: ReplayGuardOptions = {}) {
    this.windowMs = options.windowMs ?? 600_000;
    this.capacity = options.capacity ?? 10_000;
    this.now = options.now ?? (() => performance.now());
  }

  /** Records the keys; returns the first that was already seen within the window, if any. */
  check(keys: readonly string[]): string | undefined {
    const now = this.now();
    // Map keeps insertion order, so expired keys are at the front.
    for (const [key, at] of this.seen) {
      if (now - at < this.windowMs) break;
      this.seen.delete(key);
    }
    const replayed = keys.find((key) => this.seen.has(key));
    if (replayed !== undefined) return replayed;
    for (const key of keys) {
      this.seen.set(key, now);
      if (this.seen.size > this.capacity) this.seen.delete(this.seen.keys().next().value as string);
    }
    return undefined;
  }
}
