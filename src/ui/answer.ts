// How a refused or failed request reads on a page: Kubernetes' own answer, never a stack trace.
import { KubeApiError } from '../kube/index.ts';
import { SyncNotFoundError } from '../reconciler/index.ts';

/** A request for something the UI does not have (an unknown context); its status goes to the page. */
export class PageError extends Error {
  override readonly name = 'PageError';
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** Kubernetes' answer to a refused request, as a person reads it; anything else by its message. */
export function kubeAnswer(error: unknown): { status: number; message: string } {
  // A connection failure has no HTTP status (0): the cluster did not answer, a bad gateway to the page.
  if (error instanceof KubeApiError) return { status: error.status >= 400 && error.status < 600 ? error.status : 502, message: `${error.reason || 'Error'}: ${error.message}` };
  if (error instanceof PageError) return { status: error.status, message: error.message };
  if (error instanceof SyncNotFoundError) return { status: 404, message: error.message };
  return { status: 500, message: error instanceof Error ? error.message : String(error) };
}
