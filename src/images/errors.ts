/**
 * One error class per kind of failure in image automation. Each names what it
 * is about (the image, the file, the environment) and keeps its cause.
 */

/** A string that is not a valid image reference. */
export class ImageRefError extends Error {
  override readonly name = 'ImageRefError';
  constructor(
    readonly ref: string,
    reason: string,
  ) {
    super(`image "${ref}": ${reason}`);
  }
}

/** What went wrong talking to a registry, as a closed set. */
export type RegistryErrorReason = 'unauthorized' | 'forbidden' | 'not-found' | 'rate-limited' | 'server' | 'network' | 'protocol';

/** A registry refused or failed a request about an image. */
export class RegistryError extends Error {
  override readonly name = 'RegistryError';
  constructor(
    /** The image the request was about, `registry/repository`. */
    readonly image: string,
    readonly reason: RegistryErrorReason,
    message: string,
    /** The HTTP status, when there was a response. */
    readonly status?: number,
    options?: ErrorOptions,
  ) {
    super(`image ${image}: ${message}`, options);
  }
}

/** A docker credential helper failed (not "credentials not found", which means none). Never carries the secret. */
export class CredentialHelperError extends Error {
  override readonly name = 'CredentialHelperError';
  constructor(
    /** The executable, `docker-credential-<name>`. */
    readonly helper: string,
    /** The registry host the credentials were asked for. */
    readonly registry: string,
    message: string,
    options?: ErrorOptions,
  ) {
    super(`credential helper ${helper} for registry ${registry}: ${message}`, options);
  }
}

/** A policy that is invalid, or that no tag satisfies in a way that is an error (numerical on a non-number). */
export class PolicyError extends Error {
  override readonly name = 'PolicyError';
  constructor(
    /** Where the policy is declared: `<env>/<component>`. */
    readonly policy: string,
    message: string,
    options?: ErrorOptions,
  ) {
    super(`image policy ${policy}: ${message}`, options);
  }
}

/** A lock or policy file that cannot be read or does not have the expected shape. */
export class ImageFileError extends Error {
  override readonly name = 'ImageFileError';
  constructor(
    readonly file: string,
    message: string,
    options?: ErrorOptions,
  ) {
    super(`${file}: ${message}`, options);
  }
}

/** Several failures, collected and thrown once. */
export class ImageAutomationErrors extends AggregateError {
  override readonly name = 'ImageAutomationErrors';
  constructor(errors: readonly Error[]) {
    super(errors, errors.map((error) => error.message).join('\n'));
  }
}

/** A Git operation of the update failed (commit, fetch, rebase, push). */
export class ImageGitError extends Error {
  override readonly name = 'ImageGitError';
  constructor(
    /** The repository: a path or a remote URL without credentials. */
    readonly repository: string,
    message: string,
    options?: ErrorOptions,
  ) {
    super(`${repository}: ${message}`, options);
  }
}

/** Recompiling the updated clusters failed; nothing was committed. */
export class RecompileError extends Error {
  override readonly name = 'RecompileError';
  constructor(
    readonly clusters: readonly string[],
    detail: string,
    options?: ErrorOptions,
  ) {
    super(`recompiling ${clusters.join(', ')} failed; nothing was committed:\n${detail}`, options);
  }
}
