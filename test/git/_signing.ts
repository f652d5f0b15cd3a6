/**
 * Signing keys for tests: SSH keys (ssh-keygen) and OpenPGP keys (gpg, in a GNUPGHOME of their
 * own), each with the git configuration that signs with it and the public half a Sync's
 * `spec.verify` Secret holds. `dispose` stops the gpg-agent the signing started.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface TestSigner {
  /** `name <email>`. */
  readonly identity: string;
  /** For `CommitProps.sign` of the test Git server. */
  readonly sign: { readonly config: Readonly<Record<string, string>>; readonly env?: Readonly<Record<string, string>> };
  /** The SSH public key line, or the armoured OpenPGP public key. */
  readonly publicKey: string;
  /** SSH: `email key` for an allowed-signers file. */
  readonly allowedSigner?: string;
  /** SSH: `SHA256:…`; OpenPGP: the key's fingerprint. */
  readonly fingerprint: string;
}

export interface TestKeys {
  ssh(name: string, email: string): Promise<TestSigner>;
  openpgp(name: string, email: string): Promise<TestSigner>;
  dispose(): Promise<void>;
}

export function testKeys(): TestKeys {
  const dir = mkdtempSync(join(tmpdir(), 'strata-keys-'));
  const homes: string[] = [];
  return {
    async ssh(name, email) {
      const key = join(dir, name);
      await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', email, '-f', key]);
      const publicKey = readFileSync(`${key}.pub`, 'utf8').trim();
      const fingerprint = (await run('ssh-keygen', ['-l', '-f', `${key}.pub`])).stdout.split(' ')[1] ?? '';
      return { identity: `${name} <${email}>`, sign: { config: { 'gpg.format': 'ssh', 'user.signingkey': key } }, publicKey, allowedSigner: `${email} ${publicKey}`, fingerprint };
    },
    async openpgp(name, email) {
      const home = mkdtempSync(join(dir, 'gpg-'));
      homes.push(home);
      const env = { ...process.env, GNUPGHOME: home };
      await run('gpg', ['--batch', '--quiet', '--passphrase', '', '--quick-gen-key', `${name} <${email}>`, 'ed25519', 'sign', 'never'], { env });
      const colons = (await run('gpg', ['--batch', '--with-colons', '--list-keys', email], { env })).stdout;
      const fingerprint = /^fpr:+([0-9A-F]+):/m.exec(colons)?.[1] ?? '';
      const publicKey = (await run('gpg', ['--batch', '--armor', '--export', email], { env })).stdout;
      return { identity: `${name} <${email}>`, sign: { config: { 'gpg.format': 'openpgp', 'user.signingkey': fingerprint }, env: { GNUPGHOME: home } }, publicKey, fingerprint };
    },
    async dispose() {
      await Promise.allSettled(homes.map((home) => run('gpgconf', ['--kill', 'all'], { env: { ...process.env, GNUPGHOME: home } })));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
