import { describeRef, type ObjectRef } from '../manifest/identity.ts';

/** One TypeScript diagnostic, positioned: `file:line:column`. */
export interface TypeScriptDiagnostic {
  /** Path relative to the project root; empty for a global diagnostic. */
  readonly file: string;
  readonly line: number;
  readonly column: number;
  readonly code: number;
  readonly message: string;
}

/** The cluster sources do not type-check; lists every diagnostic as `file:line:col`. */
export class TypeScriptError extends Error {
  override readonly name = 'TypeScriptError';
  constructor(readonly diagnostics: readonly TypeScriptDiagnostic[]) {
    super(
      `${diagnostics.length} TypeScript error${diagnostics.length === 1 ? '' : 's'}:\n` +
        diagnostics.map((d) => `  ${d.file === '' ? '' : `${d.file}:${d.line}:${d.column}: `}error TS${d.code}: ${d.message}`).join('\n'),
    );
  }
}

/** A cluster's entry could not be loaded or synthesized; keeps the cause. */
export class ClusterLoadError extends Error {
  override readonly name = 'ClusterLoadError';
  constructor(
    readonly cluster: string,
    readonly file: string,
    message: string,
    options?: { readonly cause?: unknown },
  ) {
    super(`cluster ${cluster} (${file}): ${message}`, options);
  }
}

/** One invalid field of one object, with where it came from. */
export interface ObjectProblem {
  /** Construct path the object came from, or its file when read from disk. */
  readonly source: string;
  readonly ref: ObjectRef;
  /** Dotted field path, e.g. `metadata.labels["app.kubernetes.io/name"]`. */
  readonly field: string;
  readonly message: string;
  /** File of the object under the output directory, when known. */
  readonly file?: string;
}

export function describeProblem(problem: ObjectProblem): string {
  const where = problem.file === undefined ? '' : `${problem.file}: `;
  return `${where}${describeRef(problem.ref)}: ${problem.field}: ${problem.message} (construct ${problem.source})`;
}

/** Names, labels or annotations that the API server would reject; lists every problem. */
export class ObjectValidationError extends Error {
  override readonly name = 'ObjectValidationError';
  constructor(
    readonly cluster: string,
    readonly problems: readonly ObjectProblem[],
  ) {
    super(`cluster ${cluster}: ${problems.length} invalid field${problems.length === 1 ? '' : 's'}:\n${problems.map((p) => `  ${describeProblem(p)}`).join('\n')}`);
  }
}

/** Several clusters failed; the message holds each cluster's error. */
export class CompileError extends Error {
  override readonly name = 'CompileError';
  constructor(readonly errors: readonly Error[]) {
    super(errors.map((error) => (error.name === 'Error' ? error.message : `${error.name}: ${error.message}`)).join('\n'));
  }
}
