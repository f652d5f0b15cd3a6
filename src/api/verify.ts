/**
 * `spec.verify` of a Sync: the commit at the revision must carry a valid signature from one of
 * the keys of a Secret (SSH allowed signers or OpenPGP public keys), or nothing of it is applied.
 */

/** What is verified: `head`, the commit the revision points at (Flux's one mode too). */
export type VerifyMode = 'head';

export interface Verification {
  /** @default 'head' */
  readonly mode?: VerifyMode;
  /**
   * A Secret in the Sync's namespace: `allowed_signers` (git's SSH allowed-signers format,
   * `principal key-type key` a line) and/or any `*.asc` entries (ASCII-armoured OpenPGP public keys).
   */
  readonly secretRef: { readonly name: string };
}

/** The CRD schema of `spec.verify`. */
export const VERIFY_SCHEMA = {
  type: 'object',
  required: ['secretRef'],
  properties: {
    mode: { type: 'string', enum: ['head'] },
    secretRef: { type: 'object', required: ['name'], properties: { name: { type: 'string' } } },
  },
} as const;
