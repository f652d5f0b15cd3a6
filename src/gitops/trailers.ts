/**
 * The `Key: value` lines of commit messages this folder reads and writes:
 * which source commit a compiled revision came from (written by `strata commit`)
 * and what a rollback commit rolled back to (written by `strata rollback`).
 */

/** Keys naming the source commit, most specific first. */
export const SOURCE_COMMIT_TRAILERS = ['Strata-Source-Commit', 'Source-Commit', 'Source'] as const;
/** On rollback commits: the revision the environment was rolled back to. */
export const ROLLBACK_TO_TRAILER = 'Strata-Rollback-To';
/** On rollback commits: the cluster whose output was rolled back. */
export const ROLLBACK_CLUSTER_TRAILER = 'Strata-Rollback-Cluster';
/** On bootstrap commits: the cluster bootstrapped. */
export const BOOTSTRAP_TRAILER = 'Strata-Bootstrap';

/**
 * Every `Key: value` line of a message, keys lower-cased, the first occurrence
 * winning. For the source-commit keys the value is reduced to its commit hash.
 */
export function parseTrailers(message: string): Map<string, string> {
  const trailers = new Map<string, string>();
  const hashKeys = new Set<string>([...SOURCE_COMMIT_TRAILERS, ROLLBACK_TO_TRAILER].map((key) => key.toLowerCase()));
  for (const line of message.split('\n')) {
    const match = /^\s*([A-Za-z][A-Za-z0-9-]*):\s+(\S.*)$/.exec(line);
    if (!match) continue;
    const key = (match[1] ?? '').toLowerCase();
    let value = (match[2] ?? '').trim();
    if (hashKeys.has(key)) {
      const hash = /\b([0-9a-f]{7,40})\b/.exec(value);
      if (!hash) continue;
      value = hash[1] ?? value;
    }
    if (!trailers.has(key)) trailers.set(key, value);
  }
  return trailers;
}
