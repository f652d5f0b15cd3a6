/**
 * One error class per kind of failure. Messages name the file or object and the
 * path of the value; they never carry plaintext (values, data keys, identities).
 */

/** The text is not a SOPS document Strata can read (malformed metadata, unsupported key type, bad ENC value). */
export class SopsFormatError extends Error {
  override readonly name = 'SopsFormatError';
  constructor(
    readonly source: string,
    message: string,
    options?: { readonly cause?: unknown },
  ) {
    super(`${source}: ${message}`, options);
  }
}

/** None of the given age identities can decrypt the document's data key. */
export class NoMatchingIdentityError extends Error {
  override readonly name = 'NoMatchingIdentityError';
  constructor(
    readonly source: string,
    readonly recipients: readonly string[],
    readonly identityCount: number,
  ) {
    super(
      `${source}: none of the ${identityCount} age identit${identityCount === 1 ? 'y' : 'ies'} given can decrypt the data key; ` +
        `the file is encrypted for ${recipients.length === 0 ? 'no age recipient' : recipients.join(', ')}`,
    );
  }
}

/** A value, `lastmodified` or the MAC was changed after encryption: the document is refused whole. */
export class MacMismatchError extends Error {
  override readonly name = 'MacMismatchError';
  constructor(
    readonly source: string,
    detail: string,
  ) {
    super(`${source}: MAC mismatch, the file was changed after it was encrypted (${detail}); refusing to decrypt it`);
  }
}

/** A single value cannot be authenticated with the data key (tampered ciphertext, or a value moved to another key). */
export class ValueDecryptionError extends Error {
  override readonly name = 'ValueDecryptionError';
  constructor(
    readonly source: string,
    /** Mapping keys down to the value, `:`-joined as in the value's additional data. */
    readonly path: string,
  ) {
    super(`${source}: the value at ${path === '' ? 'the document root' : path} does not authenticate with the data key (tampered, or moved from another key)`);
  }
}

/** No age identity was found in any of the places sops looks. */
export class NoIdentityError extends Error {
  override readonly name = 'NoIdentityError';
  constructor(readonly searched: readonly string[]) {
    super(`no age identity found; looked in ${searched.join(', ')}. Create one with \`strata secrets keygen\` or set SOPS_AGE_KEY_FILE`);
  }
}
