/**
 * The work queue both controllers share (client-go's workqueue, in small): one entry per
 * key (`namespace/name`), never two runs of one key at once — a key added while it runs
 * runs once more when that run ends —, at most `concurrency` runs in all, in the order
 * keys were added, and delayed adds that a later add of the key replaces.
 */

export interface WorkQueueOptions {
  /** Runs one key. */
  readonly run: (key: string) => Promise<void>;
  /** Told when a run throws; the key is not run again for it. */
  readonly onError: (key: string, error: unknown) => void;
  /** Keys run at once. */
  readonly concurrency: number;
}

interface Entry {
  queued: boolean;
  running: boolean;
  /** Run again as soon as the current run ends. */
  dirty: boolean;
  timer?: NodeJS.Timeout;
}

export class WorkQueue {
  private readonly entries = new Map<string, Entry>();
  private readonly queue: string[] = [];
  private readonly runs = new Set<Promise<void>>();
  private active = 0;
  private stopped = false;

  constructor(private readonly options: WorkQueueOptions) {}

  /** Runs `key` soon (once, however often it is added meanwhile); cancels its delayed add. */
  add(key: string): void {
    if (this.stopped) return;
    const entry = this.entryOf(key);
    clearTimer(entry);
    if (entry.running) {
      entry.dirty = true;
      return;
    }
    if (entry.queued) return;
    entry.queued = true;
    this.queue.push(key);
    this.pump();
  }

  /** Adds `key` after `delayMs`, replacing its earlier delayed add. */
  addAfter(key: string, delayMs: number): void {
    if (this.stopped) return;
    const entry = this.entryOf(key);
    clearTimer(entry);
    entry.timer = setTimeout(() => {
      entry.timer = undefined;
      this.add(key);
    }, delayMs);
    entry.timer.unref?.();
  }

  /** True while a run of `key` is in progress. */
  isRunning(key: string): boolean {
    return this.entries.get(key)?.running ?? false;
  }

  /** Drops what is pending for `key` (its delayed add, its place in the queue, a run again); a run in progress goes on. */
  forget(key: string): void {
    const entry = this.entries.get(key);
    if (!entry) return;
    clearTimer(entry);
    entry.dirty = false;
    if (entry.queued) {
      entry.queued = false;
      this.queue.splice(this.queue.indexOf(key), 1);
    }
    if (!entry.running) this.entries.delete(key);
  }

  /** Starts no more runs and cancels delayed adds; resolves when the runs in progress have ended. */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const entry of this.entries.values()) clearTimer(entry);
    this.queue.length = 0;
    await Promise.allSettled([...this.runs]);
    this.entries.clear();
  }

  private entryOf(key: string): Entry {
    let entry = this.entries.get(key);
    if (!entry) {
      entry = { queued: false, running: false, dirty: false };
      this.entries.set(key, entry);
    }
    return entry;
  }

  private pump(): void {
    while (!this.stopped && this.active < this.options.concurrency && this.queue.length > 0) {
      const key = this.queue.shift();
      const entry = key === undefined ? undefined : this.entries.get(key);
      if (key === undefined || !entry?.queued) continue;
      entry.queued = false;
      entry.running = true;
      this.active += 1;
      const run = this.options
        .run(key)
        .catch((error: unknown) => this.options.onError(key, error))
        .finally(() => {
          this.active -= 1;
          entry.running = false;
          this.runs.delete(run);
          if (this.entries.get(key) === entry) {
            if (entry.dirty && !this.stopped) {
              entry.dirty = false;
              this.add(key);
            } else if (!entry.queued && entry.timer === undefined) this.entries.delete(key);
          }
          this.pump();
        });
      this.runs.add(run);
    }
  }
}

function clearTimer(entry: Entry): void {
  if (entry.timer === undefined) return;
  clearTimeout(entry.timer);
  entry.timer = undefined;
}
