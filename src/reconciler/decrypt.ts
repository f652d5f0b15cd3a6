/**
 * The decryption hook: turns a parsed set into the set to apply. The agent installs
 * the SOPS decrypter (`sopsDecryptHook` of src/secrets/), which decrypts the sets of
 * Syncs that set `spec.decryption` and hands every other set to `refuseEncrypted`:
 * an encrypted object is refused, so ciphertext is never applied.
 */
import { describeRef, type ManifestSet } from '../manifest/index.ts';
import type { Sync } from '../api/index.ts';

/** Objects of the revision that are still encrypted; names each one. */
export class EncryptedObjectError extends Error {
  override readonly name = 'EncryptedObjectError';
  constructor(
    readonly objects: readonly string[],
    reason: string,
  ) {
    super(`${objects.join(', ')}: SOPS-encrypted, ${reason}; refusing to apply ciphertext`);
  }
}

/**
 * Turns a parsed set into the set to apply. Called after parsing and before
 * anything touches the cluster; throwing fails the reconciliation with BuildFailed.
 */
export type DecryptHook = (set: ManifestSet, sync: Sync, signal?: AbortSignal) => Promise<ManifestSet>;

/** True for an object carrying SOPS metadata (a top-level `sops:` key). */
export function isSopsEncrypted(object: Readonly<Record<string, unknown>>): boolean {
  const sops = object.sops;
  return typeof sops === 'object' && sops !== null;
}

/** The default hook: passes plain sets through and refuses any encrypted object. */
export const refuseEncrypted: DecryptHook = async (set, sync) => {
  const encrypted = set.entries.filter((entry) => isSopsEncrypted(entry.object)).map((entry) => describeRef(entry.ref));
  if (encrypted.length === 0) return set;
  const reason = sync.spec.decryption
    ? `spec.decryption is set but this agent has no ${sync.spec.decryption.provider} decrypter installed`
    : 'and spec.decryption is not set';
  throw new EncryptedObjectError(encrypted, reason);
};
