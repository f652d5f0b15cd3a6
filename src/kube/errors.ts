/** The errors of the engine's client: refused requests and unknown kinds. */

/** One cause of a failed request, as the API server's Status lists it. */
export interface StatusCause {
  readonly reason?: string;
  readonly message?: string;
  readonly field?: string;
}

/** A request the API server refused; `status` 0 means no answer (connection failed). */
export class KubeApiError extends Error {
  override readonly name = 'KubeApiError';
  constructor(
    readonly method: string,
    readonly path: string,
    readonly status: number,
    readonly reason: string,
    message: string,
    readonly causes: readonly StatusCause[] = [],
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }

  get notFound(): boolean {
    return this.status === 404;
  }
}

/** Raised when discovery does not know a kind, even after refreshing. */
export class NoKindMatchError extends Error {
  override readonly name = 'NoKindMatchError';
  constructor(
    readonly apiVersion: string,
    readonly kind: string,
  ) {
    super(`no kind ${kind} in ${apiVersion}: is its CustomResourceDefinition installed and Established?`);
  }
}

/** @internal A KubeApiError from an answer ≥ 400 and its body (a Status object, when it is one). */
export function errorOf(method: string, path: string, status: number, text: string): KubeApiError {
  let reason = 'Unknown';
  let message = text.slice(0, 500);
  let causes: StatusCause[] = [];
  try {
    const parsed = JSON.parse(text) as { reason?: string; message?: string; details?: { causes?: StatusCause[] } };
    reason = parsed.reason ?? reason;
    message = parsed.message ?? message;
    causes = parsed.details?.causes ?? [];
  } catch {
    // not a Status object
  }
  return new KubeApiError(method, path, status, reason, message, causes);
}

/** True for the 422 the API server returns when an immutable field would change. */
export function isImmutableError(error: unknown): boolean {
  if (!(error instanceof KubeApiError)) return false;
  if (error.status !== 422 && error.status !== 400) return false;
  const texts = [error.message, ...error.causes.map((cause) => cause.message ?? '')];
  return texts.some((text) => /field is immutable|immutable field|is immutable|may not change once set|updates to .* are forbidden/i.test(text));
}
