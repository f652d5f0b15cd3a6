/** A git command failed: names the command and where it ran, keeps git's own message (credentials redacted). */
export class GitCommandError extends Error {
  override readonly name = 'GitCommandError';
  constructor(
    readonly args: readonly string[],
    /** The work tree, or the label the runner was given (a remote URL without credentials). */
    readonly dir: string,
    /** git's stderr (or the spawn error), credentials redacted. */
    readonly stderr: string,
    options?: ErrorOptions,
  ) {
    super(`git ${args.slice(0, 2).join(' ')} failed (in ${dir}): ${stderr.split('\n').slice(-6).join('\n')}`, options);
  }

  /**
   * git's message on one line: every non-empty line, the first (git's own error, e.g. `fatal:
   * '…' does not appear to be a git repository`) always kept; past `maxChars` the middle goes.
   */
  summary(maxChars = 600): string {
    const lines = this.stderr.split('\n').map((line) => line.trim()).filter((line) => line !== '');
    const all = lines.join(' ');
    if (all.length <= maxChars) return all;
    const first = (lines[0] ?? '').slice(0, Math.floor(maxChars / 2));
    return `${first} … ${all.slice(-(maxChars - first.length))}`;
  }

  /** The last `lines` lines of git's message. */
  tail(lines: number, separator = '\n'): string {
    return this.stderr.split('\n').slice(-lines).join(separator);
  }
}
