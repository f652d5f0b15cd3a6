/**
 * Revisions as the agent writes them (`main@sha1:<hash>`, Flux's format) and as
 * people type them (a commit, a short hash, a tag, `HEAD~2`).
 */

export interface ParsedRevision {
  /** The branch or tag before `@`, when the revision has one. */
  readonly ref?: string;
  /** The commit (or anything git can resolve) after `@sha1:`, or the whole text. */
  readonly commit: string;
}

/** Splits `main@sha1:abc…` into its ref and commit; any other text is taken as a revision git resolves. */
export function parseRevision(text: string): ParsedRevision {
  const match = /^(.*)@sha1:([0-9a-f]{4,40})$/.exec(text);
  if (match) return { ...(match[1] ? { ref: match[1] } : {}), commit: match[2] ?? '' };
  const bare = /^sha1:([0-9a-f]{4,40})$/.exec(text);
  return { commit: bare ? (bare[1] ?? '') : text };
}

/** `main@sha1:<hash>`: how the agent names the revision it applied. */
export function formatRevision(branch: string, commit: string): string {
  return `${branch}@sha1:${commit}`;
}

/** The short form of a commit hash used in messages. */
export function shortCommit(commit: string): string {
  return commit.slice(0, 12);
}
