// One error class per kind of chart failure; each names the chart (its lock name) and, where
// there is one, the file, and keeps its cause.

/** The lock file is missing, unreadable or malformed, or does not name a chart. */
export class ChartLockError extends Error {
  override readonly name = 'ChartLockError';
  constructor(
    readonly file: string,
    message: string,
    options?: { readonly cause?: unknown },
  ) {
    super(`${file}: ${message}`, options);
  }
}

/** A vendored chart's (or vendored YAML's) bytes are not the ones pinned. */
export class ChartDigestError extends Error {
  override readonly name = 'ChartDigestError';
  constructor(
    readonly chart: string,
    readonly file: string,
    readonly expected: string,
    readonly actual: string,
    hint = '(run `strata charts pull` to fetch what the lock names, or `strata charts update` to move the pin)',
  ) {
    super(`chart ${chart}: ${file} has digest ${actual}, the lock pins ${expected} ${hint}`);
  }
}

/** Helm failed to render, pull or package a chart; the message carries Helm's own. */
export class HelmError extends Error {
  override readonly name = 'HelmError';
  constructor(
    readonly chart: string,
    message: string,
    options?: { readonly cause?: unknown },
  ) {
    super(`chart ${chart}: ${message}`, options);
  }
}

/** The pinned Helm binary is missing and cannot be built (no Go, or the build failed). */
export class HelmToolError extends Error {
  override readonly name = 'HelmToolError';
}

/** A chart repository or registry could not be read while pulling or updating. */
export class ChartSourceError extends Error {
  override readonly name = 'ChartSourceError';
  constructor(
    readonly chart: string,
    readonly source: string,
    message: string,
    options?: { readonly cause?: unknown },
  ) {
    super(`chart ${chart} (${source}): ${message}`, options);
  }
}
