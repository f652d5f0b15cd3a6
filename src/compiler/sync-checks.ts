/**
 * What `strata validate` checks of the Sync objects a cluster compiles to, beyond their schema:
 * every CEL expression of `spec.healthCheckExprs` parses and type-checks, so a typo fails in CI
 * rather than as a stalled Sync in the cluster (the agent refuses the same Sync with the same words).
 */
import { SYNC_API_VERSION, SYNC_KIND, type HealthCheckExpression } from '../api/index.ts';
import { checkHealthExpressions } from '../engine/index.ts';
import { refOf } from '../manifest/index.ts';
import type { ObjectProblem } from './errors.ts';
import type { ReferenceTarget } from './references.ts';

/** One problem per bad entry or expression of every Sync among `targets`. */
export function checkSyncs(targets: readonly ReferenceTarget[]): ObjectProblem[] {
  const problems: ObjectProblem[] = [];
  for (const target of targets) {
    const { object } = target;
    if (object.apiVersion !== SYNC_API_VERSION || object.kind !== SYNC_KIND) continue;
    const exprs = (object.spec as { healthCheckExprs?: unknown } | undefined)?.healthCheckExprs;
    // Anything that is not a list of objects is the schema's to report.
    if (!Array.isArray(exprs) || !exprs.every((entry) => typeof entry === 'object' && entry !== null)) continue;
    for (const problem of checkHealthExpressions(exprs as HealthCheckExpression[])) {
      problems.push({
        source: target.source,
        ref: refOf(object),
        field: problem.field,
        message: `${problem.kind}: ${problem.message}`,
        ...(target.file === undefined ? {} : { file: target.file }),
      });
    }
  }
  return problems;
}
