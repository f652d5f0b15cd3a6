/**
 * Whether a commit carries a valid signature from one of the given keys, as git itself decides
 * (`%G?` of `git log`, the check `git verify-commit` makes, through `ssh-keygen -Y verify` or
 * `gpg`). The keys go into a temporary folder for the one check: an allowed-signers file
 * (`gpg.ssh.allowedSignersFile`) and a fresh GNUPGHOME holding only the given OpenPGP keys, so
 * nothing of the host's keyrings or configuration counts.
 */
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Git } from './runner.ts';

export interface CommitSigners {
  /** SSH allowed signers (`principal[,principal] [options] key-type key`, one a line). @default none */
  readonly allowedSigners?: string;
  /** ASCII-armoured OpenPGP public keys. @default none */
  readonly openpgpKeys?: readonly string[];
}

export interface VerifyCommitOptions {
  /** The repository holding the commit (a bare repository's folder). */
  readonly gitDir: string;
  readonly commit: string;
  readonly signers: CommitSigners;
  /** @default 'git' */
  readonly git?: string;
  /** @default 'gpg' */
  readonly gpg?: string;
  readonly signal?: AbortSignal;
}

export type SignatureFormat = 'ssh' | 'openpgp' | 'x509';

/** The result as data: verified with the signer, or refused with the signer found (if any) and why. */
export type CommitSignature =
  | { readonly verified: true; readonly commit: string; readonly format: SignatureFormat; readonly signer: string }
  | { readonly verified: false; readonly commit: string; readonly format?: SignatureFormat; readonly signer?: string; readonly reason: string };

export async function verifyCommitSignature(options: VerifyCommitOptions): Promise<CommitSignature> {
  const { commit } = options;
  const bare = new Git(options.gitDir, { inheritEnv: false, executable: options.git ?? 'git', env: { GIT_DIR: options.gitDir, GIT_CONFIG_GLOBAL: '/dev/null' } });
  const object = await bare.run(['cat-file', 'commit', commit], options.signal ? { signal: options.signal } : {});
  const format = signatureFormat(object);
  if (!format) return { verified: false, commit, reason: 'is not signed' };
  if (format === 'x509') return { verified: false, commit, format, reason: 'is signed with X.509 (gpgsm), which is not supported; sign with SSH or OpenPGP' };

  const dir = await mkdtemp(path.join(tmpdir(), 'strata-verify-'));
  try {
    const signersFile = path.join(dir, 'allowed_signers');
    await writeFile(signersFile, options.signers.allowedSigners ?? '', { mode: 0o600 });
    const gnupgHome = path.join(dir, 'gnupg');
    await mkdir(gnupgHome, { mode: 0o700 });
    const gpg = options.gpg ?? 'gpg';
    if (format === 'openpgp') {
      for (const [index, key] of (options.signers.openpgpKeys ?? []).entries()) await importKey(gpg, gnupgHome, key, index, options.signal);
    }
    const checker = new Git(options.gitDir, { inheritEnv: false, executable: options.git ?? 'git', env: { GIT_DIR: options.gitDir, GIT_CONFIG_GLOBAL: '/dev/null', GNUPGHOME: gnupgHome } });
    const line = await checker.run(['-c', `gpg.program=${gpg}`, '-c', 'gpg.ssh.program=ssh-keygen', '-c', `gpg.ssh.allowedSignersFile=${signersFile}`, 'log', '-1', '--format=%G?%x00%GS%x00%GK%x00%GF', commit, '--'], options.signal ? { signal: options.signal } : {});
    const [status = 'N', name = '', key = '', fingerprint = ''] = line.split('\0');
    return judge(commit, format, status, name, key || fingerprint);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * git's `%G?` read for each format. For OpenPGP `U` (good signature, no trust set) is a key of
 * the given ones, since the keyring holds nothing else; for SSH a key outside the allowed
 * signers also verifies as `U` with no principal, so only `G` is accepted.
 */
function judge(commit: string, format: SignatureFormat, status: string, name: string, key: string): CommitSignature {
  const kind = format === 'ssh' ? 'SSH' : 'OpenPGP';
  const found = name ? `${name} (${kind} key ${key})` : key ? `${kind} key ${key}` : undefined;
  const refused = (reason: string): CommitSignature => ({ verified: false, commit, format, ...(found ? { signer: found } : {}), reason });
  if (status === 'G' || (status === 'U' && format === 'openpgp')) return { verified: true, commit, format, signer: found ?? key };
  switch (status) {
    case 'U':
    case 'E':
      return refused(`is signed by ${found ?? 'an unknown key'}, which is not one of the keys of spec.verify`);
    case 'B':
      return refused(`has a bad signature${found ? ` claiming ${found}` : ''}`);
    case 'X':
      return refused(`has a signature that expired (${found ?? 'unknown key'})`);
    case 'Y':
      return refused(`is signed by an expired key (${found ?? 'unknown key'})`);
    case 'R':
      return refused(`is signed by a revoked key (${found ?? 'unknown key'})`);
    default:
      return refused('has a signature git could not check');
  }
}

/** The kind of the commit's `gpgsig` header, if it has one. */
function signatureFormat(object: string): SignatureFormat | undefined {
  const header = object.split('\n\n', 1)[0] ?? '';
  const match = /^gpgsig(?:-sha256)? (.*)$/m.exec(header);
  if (!match) return undefined;
  const first = match[1] ?? '';
  if (first.includes('BEGIN SSH SIGNATURE')) return 'ssh';
  if (first.includes('BEGIN PGP SIGNATURE')) return 'openpgp';
  return 'x509';
}

/** Imports one armoured public key into the temporary keyring; a key gpg refuses is named by its place. */
function importKey(gpg: string, gnupgHome: string, key: string, index: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = execFile(gpg, ['--batch', '--quiet', '--no-autostart', '--import'], { env: { PATH: process.env.PATH, GNUPGHOME: gnupgHome, LC_ALL: 'C' }, timeout: 30_000, ...(signal ? { signal } : {}) }, (error, _stdout, stderr) => {
      if (error) reject(new Error(`OpenPGP key ${index + 1}: gpg --import failed: ${String(stderr).trim().split('\n').slice(-2).join(' ') || error.message}`));
      else resolve();
    });
    child.stdin?.end(key);
  });
}
