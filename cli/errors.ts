/** An error whose exit code is part of the CLI's contract (see `strata --help`). */
export class ExitError extends Error {
  override readonly name = 'ExitError';
  constructor(
    message: string,
    readonly exitCode: number,
  ) {
    super(message);
  }
}

/** Maps any failure to the documented exit codes: 1 for a found difference or invalid input, 2 otherwise. */
export function exitCodeFor(error: unknown): number {
  if (error instanceof ExitError) return error.exitCode;
  return 2;
}

export function reportError(error: unknown): void {
  if (error instanceof ExitError && error.message === '') return;
  // A CompileError only gathers the clusters' errors, each of which names its own class.
  const bare = error instanceof Error && (error.name === 'Error' || error.name === 'ExitError' || error.name === 'CompileError');
  const message = error instanceof Error ? `${bare ? '' : `${error.name}: `}${error.message}` : String(error);
  process.stderr.write(`Error: ${message}\n`);
  let cause = error instanceof Error ? error.cause : undefined;
  while (cause instanceof Error) {
    process.stderr.write(`  caused by: ${cause.message}\n`);
    cause = cause.cause;
  }
}
