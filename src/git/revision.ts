/**
 * The one revision format: as the agent writes it (Flux's: `main@sha1:<hash>`,
 * `v1.2.0@sha1:<hash>`, `sha1:<hash>` for a bare commit), and revisions as people
 * type them (a commit, a short hash, a tag, `HEAD~2`).
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

/** `main@sha1:<hash>` (`sha1:<hash>` when `name` is empty): how the agent names the revision it applied. */
export function formatRevision(name: string, commit: string): string {
  return name === '' ? `sha1:${commit}` : `${name}@sha1:${commit}`;
}

/** The full commit of a revision, or undefined when it names none. */
export function commitOf(revision: string): string | undefined {
  return /sha1:([0-9a-f]{40})$/.exec(revision)?.[1];
}

/** The short form of a commit hash used in messages. */
export function shortCommit(commit: string): string {
  return commit.slice(0, 12);
}
