// Polling for tests that wait on controllers.

/** Options of {@link eventually}. */
export interface EventuallyProps {
  /**
   * Give up after this long.
   * @default 30_000
   */
  readonly timeoutMs?: number;
  /**
   * Pause between tries.
   * @default 200
   */
  readonly intervalMs?: number;
  /**
   * What is awaited, for the timeout message.
   * @default 'condition'
   */
  readonly what?: string;
}

/**
 * Calls `probe` until it returns a value other than `undefined`/`false` (or stops throwing) and
 * returns that value; on timeout throws with the last error or value seen.
 */
export async function eventually<T>(probe: () => Promise<T | undefined | false>, props: EventuallyProps = {}): Promise<T> {
  const timeoutMs = props.timeoutMs ?? 30_000;
  const intervalMs = props.intervalMs ?? 200;
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined && value !== false) return value;
      last = value;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) {
      const detail = last instanceof Error ? last.message : JSON.stringify(last);
      throw new Error(`${props.what ?? 'condition'} not met after ${timeoutMs} ms (last: ${detail})`, { cause: last });
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
