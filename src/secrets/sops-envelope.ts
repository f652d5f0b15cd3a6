/**
 * The compiled form of a `SopsSecret`: a Secret whose `sops` field carries the encrypted
 * source document verbatim (so its MAC still verifies, whatever key order the compiler
 * writes and whatever metadata overlays add) and which of its values feed which Secret
 * key. The compiler copies ciphertext only; the agent opens the envelope with its keys.
 *
 *     apiVersion: v1
 *     kind: Secret
 *     metadata: { name: db, namespace: shop }
 *     type: Opaque
 *     sops:
 *       envelope: strata.dev/v1
 *       source: secrets/db.enc.yaml
 *       format: yaml
 *       document: |
 *         …the file exactly as sops or `strata secrets encrypt` wrote it…
 *       stringData: { password: [stringData, password] }
 *       data: { tls.crt: [data, tls.crt] }
 */
import { parse as parseYaml } from 'yaml';
import type { AgeIdentity } from './age-keys.ts';
import { decryptDocument, type SopsFormat } from './document.ts';
import { SopsFormatError } from './errors.ts';
import { parseMetadata } from './metadata.ts';

export const ENVELOPE_VERSION = 'strata.dev/v1';

/** Secret key → path of mapping keys in the source document. */
export type KeyPaths = Readonly<Record<string, readonly string[]>>;

export interface SopsEnvelope {
  readonly envelope: typeof ENVELOPE_VERSION;
  /** The source file, for messages. */
  readonly source: string;
  readonly format: SopsFormat;
  /** The encrypted document, verbatim. */
  readonly document: string;
  /** Values copied into the Secret's `stringData` (text). */
  readonly stringData?: KeyPaths;
  /** Values copied into the Secret's `data` (already base64 in the source). */
  readonly data?: KeyPaths;
}

export function isSopsEnvelope(value: unknown): value is SopsEnvelope {
  const v = value as Partial<SopsEnvelope> | null;
  return typeof v === 'object' && v !== null && v.envelope === ENVELOPE_VERSION && typeof v.document === 'string';
}

/** What the construct needs to know about an encrypted source without decrypting it. */
export interface SopsSourceInfo {
  readonly format: SopsFormat;
  readonly text: string;
  /** The document with its (still encrypted) values; keys and unencrypted values are readable. */
  readonly shape: Readonly<Record<string, unknown>>;
  readonly recipients: readonly string[];
}

/** Reads the shape of an encrypted document; throws SopsFormatError when it is not a SOPS file with age recipients. */
export function inspectSopsSource(text: string, format: SopsFormat, source: string): SopsSourceInfo {
  let shape: unknown;
  try {
    shape = format === 'json' ? JSON.parse(text) : parseYaml(text);
  } catch (error) {
    throw new SopsFormatError(source, `is not valid ${format === 'json' ? 'JSON' : 'YAML'}`, { cause: error });
  }
  if (typeof shape !== 'object' || shape === null || Array.isArray(shape)) throw new SopsFormatError(source, 'is not a mapping');
  const record = shape as Record<string, unknown>;
  if (record.sops === undefined) throw new SopsFormatError(source, 'is not encrypted (no `sops` block); encrypt it with `strata secrets encrypt -i`');
  const meta = parseMetadata(record.sops, source);
  return { format, text, shape: record, recipients: meta.age.map((s) => s.recipient) };
}

/** The value at `path` in a parsed document, or undefined. */
export function valueAt(root: unknown, path: readonly string[]): unknown {
  let node = root;
  for (const key of path) {
    if (typeof node !== 'object' || node === null || Array.isArray(node)) return undefined;
    node = (node as Record<string, unknown>)[key];
  }
  return node;
}

/** A Secret built from a decrypted envelope: stringData and data filled from the selected values. */
export async function openEnvelope(envelope: SopsEnvelope, identities: readonly AgeIdentity[]): Promise<{ stringData: Record<string, string>; data: Record<string, string> }> {
  const plain = parseYaml(await decryptDocument(envelope.document, { identities, format: envelope.format, source: envelope.source })) as unknown;
  const pick = (paths: KeyPaths | undefined): Record<string, string> => {
    const out: Record<string, string> = {};
    for (const [key, path] of Object.entries(paths ?? {})) {
      const value = valueAt(plain, path);
      if (value === undefined || value === null || typeof value === 'object') {
        throw new SopsFormatError(envelope.source, `has no scalar value at ${path.join('.')} (for Secret key ${key})`);
      }
      out[key] = String(value);
    }
    return out;
  };
  return { stringData: pick(envelope.stringData), data: pick(envelope.data) };
}
