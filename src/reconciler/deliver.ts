/**
 * One outgoing notification request, delivered at most once: POSTed, and retried with backoff
 * only when the receiver says it did not take it (429, 5xx) or could not be reached. A 429 or
 * 503 with `Retry-After` waits what it asks (up to a cap). Results never carry the URL, whose
 * path often is the credential (Slack, Teams).
 */

export interface DeliveryRequest {
  readonly url: string;
  /** @default 'POST' */
  readonly method?: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

export interface DeliveryOptions {
  /** Attempts, the first included. @default 4 */
  readonly attempts?: number;
  /** First backoff without Retry-After; doubles each retry. @default 500 */
  readonly backoffMs?: number;
  /** Longest wait between attempts, Retry-After included. @default 30000 */
  readonly maxWaitMs?: number;
  /** Per-request time limit. @default 5000 */
  readonly timeoutMs?: number;
  /** Stops waiting and retrying (the agent stopping). */
  readonly signal?: AbortSignal;
}

export interface DeliveryResult {
  readonly delivered: boolean;
  readonly attempts: number;
  /** The last HTTP status, when there was a response. */
  readonly status?: number;
  /** Why it was not delivered: `HTTP 404`, a network error. */
  readonly error?: string;
}

export const DEFAULT_DELIVERY_OPTIONS = { attempts: 4, backoffMs: 500, maxWaitMs: 30_000, timeoutMs: 5000 } as const;

export async function deliver(request: DeliveryRequest, options: DeliveryOptions = {}): Promise<DeliveryResult> {
  const attempts = options.attempts ?? DEFAULT_DELIVERY_OPTIONS.attempts;
  const backoffMs = options.backoffMs ?? DEFAULT_DELIVERY_OPTIONS.backoffMs;
  const maxWaitMs = options.maxWaitMs ?? DEFAULT_DELIVERY_OPTIONS.maxWaitMs;
  const timeoutMs = options.timeoutMs ?? DEFAULT_DELIVERY_OPTIONS.timeoutMs;
  let last: DeliveryResult = { delivered: false, attempts: 0, error: 'not sent' };
  for (let attempt = 1; attempt <= attempts; attempt += 1) {
    let waitMs = Math.min(maxWaitMs, backoffMs * 2 ** (attempt - 1));
    try {
      const signals = [AbortSignal.timeout(timeoutMs), ...(options.signal ? [options.signal] : [])];
      const response = await fetch(request.url, { method: request.method ?? 'POST', headers: request.headers, body: request.body, signal: AbortSignal.any(signals), redirect: 'error' });
      await response.arrayBuffer().catch(() => undefined);
      if (response.ok) return { delivered: true, attempts: attempt, status: response.status };
      last = { delivered: false, attempts: attempt, status: response.status, error: `HTTP ${response.status}` };
      if (response.status !== 429 && response.status < 500) return last;
      const retryAfter = retryAfterMs(response.headers.get('retry-after'));
      if (retryAfter !== undefined) waitMs = Math.min(maxWaitMs, retryAfter);
    } catch (error) {
      if (options.signal?.aborted) return { delivered: false, attempts: attempt, error: 'stopped' };
      last = { delivered: false, attempts: attempt, error: networkError(error) };
    }
    if (attempt < attempts && !(await sleep(waitMs, options.signal))) return { ...last, error: 'stopped' };
  }
  return last;
}

/** `Retry-After` as milliseconds: delay-seconds or an HTTP date. */
export function retryAfterMs(value: string | null, now = Date.now()): number | undefined {
  if (value === null || value.trim() === '') return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

// fetch's own message is "fetch failed"; the cause says what (ECONNREFUSED, a timeout). Neither holds the URL.
function networkError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  if (error.name === 'TimeoutError') return 'timed out';
  const cause = error.cause as { code?: string; message?: string } | undefined;
  return cause?.code ?? cause?.message ?? error.message;
}

function sleep(ms: number, signal?: AbortSignal): Promise<boolean> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve(false);
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve(true);
    }, ms);
    const onAbort = (): void => {
      clearTimeout(timer);
      resolve(false);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
