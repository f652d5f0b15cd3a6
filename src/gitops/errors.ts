/**
 * One error class per kind of failure of history, rollback and bootstrap. Each
 * names what it is about (the repository, the revision, the cluster, the object)
 * and keeps its cause.
 */

/** A revision that does not name a commit of the repository (or not one on the branch's history). */
export class RevisionNotFoundError extends Error {
  override readonly name = 'RevisionNotFoundError';
  constructor(
    readonly revision: string,
    readonly dir: string,
    reason: string,
    options?: { cause?: unknown },
  ) {
    super(`revision ${JSON.stringify(revision)}: ${reason} (repository ${dir})`, options);
  }
}

/** The work tree has changes, so a rollback (or bootstrap commit) would mix them into its commit. */
export class DirtyWorkTreeError extends Error {
  override readonly name = 'DirtyWorkTreeError';
  constructor(
    readonly dir: string,
    readonly files: readonly string[],
  ) {
    const shown = files.slice(0, 10).join(', ') + (files.length > 10 ? `, and ${files.length - 10} more` : '');
    super(`the work tree of ${dir} has uncommitted changes (${shown}): commit or stash them first`);
  }
}

/** A rollback that cannot be made or published without overwriting someone else's work. */
export class RollbackConflictError extends Error {
  override readonly name = 'RollbackConflictError';
  constructor(
    readonly cluster: string,
    message: string,
    readonly files: readonly string[] = [],
    options?: { cause?: unknown },
  ) {
    super(`rollback of ${cluster}: ${message}`, options);
  }
}

/** The cluster name is not a folder `deploy/<cluster>` can have. */
export class InvalidClusterNameError extends Error {
  override readonly name = 'InvalidClusterNameError';
  constructor(readonly cluster: string) {
    super(`cluster ${JSON.stringify(cluster)}: not a valid cluster name (lower-case letters, digits and '-', as a DNS-1123 label)`);
  }
}

/** The steps of `strata bootstrap`, named in its errors. */
export type BootstrapStep = 'context' | 'permissions' | 'clone' | 'sources' | 'compile' | 'push' | 'apply' | 'credentials' | 'wait';

/** Bootstrap stopped at a step; says what was left and that running it again finishes the job. */
export class BootstrapError extends Error {
  override readonly name = 'BootstrapError';
  constructor(
    readonly step: BootstrapStep,
    readonly cluster: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`bootstrap of ${cluster} failed at ${step}: ${message}`, options);
  }
}

/** Asserts the cluster name is a DNS-1123 label, so it is safe in paths and git revision specs. */
export function assertClusterName(cluster: string): void {
  if (!/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/.test(cluster)) throw new InvalidClusterNameError(cluster);
}
