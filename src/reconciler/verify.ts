/**
 * `spec.verify`: the signature check of a revision's commit against the keys of the Sync's
 * Secret, by git itself (src/git/verify-commit.ts). Results are remembered per commit and keys,
 * so an unchanged revision costs no gpg or ssh-keygen run each interval.
 */
import { createHash } from 'node:crypto';
import { verifyCommitSignature, type CommitSignature, type CommitSigners } from '../git/index.ts';

/** Verification results remembered. */
const REMEMBERED = 1000;

export class CommitVerifier {
  private readonly results = new Map<string, CommitSignature>();

  /** Checks `commit` of the repository at `gitDir` against `signers`. */
  async verify(gitDir: string, commit: string, signers: CommitSigners, signal?: AbortSignal): Promise<CommitSignature> {
    const key = createHash('sha256').update(JSON.stringify([commit, signers.allowedSigners ?? '', signers.openpgpKeys ?? []])).digest('hex');
    const known = this.results.get(key);
    if (known) return known;
    const result = await verifyCommitSignature({ gitDir, commit, signers, ...(signal ? { signal } : {}) });
    this.results.set(key, result);
    if (this.results.size > REMEMBERED) this.results.delete(this.results.keys().next().value as string);
    return result;
  }
}

/** The signers of a `spec.verify` Secret's data (base64 values): `allowed_signers` and every `*.asc`. */
export function signersOf(data: Readonly<Record<string, string>>): CommitSigners {
  const text = (value: string): string => Buffer.from(value, 'base64').toString('utf8');
  const keys = Object.keys(data).sort();
  const openpgpKeys = keys.filter((name) => name.endsWith('.asc')).map((name) => text(data[name] ?? ''));
  const allowed = data.allowed_signers === undefined ? undefined : text(data.allowed_signers);
  return { ...(allowed !== undefined ? { allowedSigners: allowed } : {}), ...(openpgpKeys.length > 0 ? { openpgpKeys } : {}) };
}
