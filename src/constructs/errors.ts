/** One problem found while building or overlaying a cluster, and where: a construct path or an overlay. */
export interface ConstructProblem {
  /** Construct path (`production/apps/checkout-api/Deployment`) or overlay (`production/overlays/replicas`). */
  readonly path: string;
  readonly message: string;
  /** The error behind the problem, when one was thrown (a component failing to build). */
  readonly cause?: unknown;
}

/**
 * Raised once per synthesis with every problem the constructs' validations and the
 * overlays reported, each with its path, so one run shows them all.
 */
export class ConstructValidationError extends Error {
  override readonly name = 'ConstructValidationError';
  readonly cluster: string;
  readonly problems: readonly ConstructProblem[];
  constructor(cluster: string, problems: readonly ConstructProblem[]) {
    super(`cluster ${cluster}: ${problems.length} problem${problems.length === 1 ? '' : 's'}:\n${problems.map((p) => `  ${p.path}: ${p.message}`).join('\n')}`);
    this.cluster = cluster;
    this.problems = problems;
  }
}
