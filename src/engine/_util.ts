/** @internal Small helpers of the apply engine. */
import { KubeApiError } from '../kube/index.ts';

/** The message of an error, with the HTTP status of API errors. */
export function messageOf(error: unknown): string {
  if (error instanceof KubeApiError) return error.status === 0 ? error.message : `${error.message} (${error.status} ${error.reason})`;
  return error instanceof Error ? error.message : String(error);
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
