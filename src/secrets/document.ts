/**
 * The SOPS document: encrypt a YAML or JSON text for age recipients, decrypt it with
 * age identities (MAC verified), and re-encrypt it keeping the data key (edit, add a
 * recipient) or with a new one (rotate). Comments and key order are preserved.
 */
import { createHash, randomBytes } from 'node:crypto';
import { Document, isMap, isScalar, Scalar, type Node } from 'yaml';
import { parse, serialize, type SopsFormat } from './_text.ts';
import { DATA_KEY_SIZE, IvStash, LeafDecryptError, commentLeaf, decryptLeaf, encryptLeaf, isEncryptedValue, leafOf, type Leaf } from './_cipher.ts';
import { markCommentItem, NonStringKeyError, setScalar, walkDocument } from './_walk.ts';
import type { AgeIdentity } from './age-keys.ts';
import { MacMismatchError, SopsFormatError, ValueDecryptionError } from './errors.ts';
import {
  SOPS_FORMAT_VERSION,
  effectiveRules,
  macAdditionalData,
  nowRfc3339,
  parseMetadata,
  serializeMetadata,
  shouldBeEncrypted,
  type AgeStanza,
  type SelectionRules,
  type SopsMetadata,
} from './metadata.ts';

/** age (and its post-quantum and curve libraries, ~110 modules) loads only to encrypt or decrypt: compiling checks documents without it. */
const ageKeys = () => import('./age-keys.ts');

export type { SopsFormat } from './_text.ts';

/** The format of a file by its extension: `.json` is JSON, anything else YAML. */
export function formatOf(file: string): SopsFormat {
  return /\.json$/i.test(file) ? 'json' : 'yaml';
}

/** sops.MACOnlyEncryptedInitialization: hashed first when only encrypted values count. */
const MAC_ONLY_ENCRYPTED_INIT = Buffer.from([
  0x8a, 0x3f, 0xd2, 0xad, 0x54, 0xce, 0x66, 0x52, 0x7b, 0x10, 0x34, 0xf3, 0xd1, 0x47, 0xbe, 0x0b, 0x0b, 0x97, 0x5b, 0x3b, 0xf4, 0x4f, 0x72, 0xc6, 0xfd, 0xad, 0xec, 0x81,
  0x76, 0xf2, 0x7d, 0x69,
]);

export interface EncryptProps extends SelectionRules {
  /** age recipients (`age1…`), each getting its own copy of the data key. */
  readonly recipients: readonly string[];
  /**
   * Format of the text.
   * @default 'yaml'
   */
  readonly format?: SopsFormat;
  /**
   * The name used in error messages.
   * @default '<input>'
   */
  readonly source?: string;
  /**
   * The time written as `lastmodified`.
   * @default now
   */
  readonly now?: Date;
}

export interface DecryptProps {
  readonly identities: readonly AgeIdentity[];
  /** @default 'yaml' */
  readonly format?: SopsFormat;
  /** @default '<input>' */
  readonly source?: string;
}

/** A decrypted document with what is needed to write it back under the same data key. */
export interface OpenedDocument {
  readonly format: SopsFormat;
  /** The plaintext text (YAML or JSON), without the `sops` block. */
  readonly plaintext: string;
  readonly metadata: SopsMetadata;
  /** @internal the data key; never print or persist it. */
  readonly dataKey: Uint8Array;
  /** @internal IVs of the decrypted values, so unchanged values keep their ciphertext. */
  readonly stash: IvStash;
}

/** The selection rules of a metadata block. */
function rulesOf(meta: SelectionRules): SelectionRules {
  const { unencryptedSuffix, encryptedSuffix, unencryptedRegex, encryptedRegex, unencryptedCommentRegex, encryptedCommentRegex, macOnlyEncrypted } = meta;
  return Object.fromEntries(
    Object.entries({ unencryptedSuffix, encryptedSuffix, unencryptedRegex, encryptedRegex, unencryptedCommentRegex, encryptedCommentRegex, macOnlyEncrypted }).filter(
      ([, v]) => v !== undefined && v !== '' && v !== false,
    ),
  ) as SelectionRules;
}

/** True for a plain object carrying SOPS metadata (a top-level `sops` mapping). */
export function isSopsObject(object: unknown): boolean {
  if (typeof object !== 'object' || object === null || Array.isArray(object)) return false;
  const sops = (object as Record<string, unknown>).sops;
  return typeof sops === 'object' && sops !== null && !Array.isArray(sops) && 'mac' in sops;
}

function ad(path: readonly string[]): string {
  return `${path.join(':')}:`;
}

/** sops' YAML int resolution for legacy octal (`0755`), which the YAML 1.2 core schema reads as decimal. */
function scalarLeaf(node: Scalar): Leaf {
  const value = node.value;
  const src = (node as { source?: string }).source;
  if (typeof value === 'number' && node.type === 'PLAIN' && src !== undefined && /^[-+]?0[0-7]+$/.test(src)) return leafOf(Number.parseInt(src, 8));
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return leafOf(value, src);
  if (value instanceof Date) return leafOf(value.toISOString());
  return leafOf(String(value));
}

/** Encrypts the values of `doc` in place; returns the MAC (uppercase hex SHA-512). */
function encryptTree(doc: Document, key: Uint8Array, rules: SelectionRules, stash: IvStash | undefined, source: string): string {
  const hash = createHash('sha512');
  if (rules.macOnlyEncrypted) hash.update(MAC_ONLY_ENCRYPTED_INIT);
  try {
    walkDocument(doc, {
      leaf(node, path, stack) {
        const leaf = scalarLeaf(node);
        const encrypted = shouldBeEncrypted(rules, path, stack, false);
        if (!rules.macOnlyEncrypted || encrypted) hash.update(leaf.bytes);
        if (encrypted) setScalar(node, encryptLeaf(leaf, key, ad(path), stash));
      },
      comment(line, path, stack) {
        if (!shouldBeEncrypted(rules, path, stack, true)) return line;
        return encryptLeaf(commentLeaf(line), key, ad(path), stash);
      },
    });
  } catch (error) {
    if (error instanceof NonStringKeyError) throw new SopsFormatError(source, error.message, { cause: error });
    throw error;
  }
  return hash.digest('hex').toUpperCase();
}

/** Decrypts the values of `doc` in place; returns the MAC computed over the plaintext. */
function decryptTree(doc: Document, key: Uint8Array, rules: SelectionRules, stash: IvStash, source: string): string {
  const hash = createHash('sha512');
  if (rules.macOnlyEncrypted) hash.update(MAC_ONLY_ENCRYPTED_INIT);
  try {
    walkDocument(doc, {
      leaf(node, path, stack) {
        const encrypted = shouldBeEncrypted(rules, path, stack, false);
        let leaf: Leaf;
        if (encrypted) {
          if (typeof node.value !== 'string') throw new ValueDecryptionError(source, path.join(':'));
          try {
            leaf = decryptLeaf(node.value, key, ad(path), stash);
          } catch (error) {
            if (error instanceof LeafDecryptError) throw new ValueDecryptionError(source, path.join(':'));
            throw error;
          }
          if (leaf.type === 'comment') markCommentItem(node, String(leaf.value));
          else setScalar(node, leaf.type === 'int' || leaf.type === 'float' ? (leaf.value as number) : leaf.value);
        } else {
          leaf = scalarLeaf(node);
        }
        if ((!rules.macOnlyEncrypted || encrypted) && leaf.type !== 'comment') hash.update(leaf.bytes);
      },
      comment(line, path) {
        if (!isEncryptedValue(line)) return line;
        // sops may attach a comment one level away from where the yaml library does: try each enclosing path.
        for (let n = path.length; n >= 0; n -= 1) {
          try {
            return String(decryptLeaf(line, key, ad(path.slice(0, n)), stash).value);
          } catch {
            // try the next enclosing path
          }
        }
        return line; // as sops: a comment that does not decrypt is kept as it is
      },
    });
  } catch (error) {
    if (error instanceof NonStringKeyError) throw new SopsFormatError(source, error.message, { cause: error });
    throw error;
  }
  return hash.digest('hex').toUpperCase();
}

/** Removes the `sops` block, keeping the comments written just before it (they belong to the document). */
function removeMetadata(doc: Document): void {
  const root = doc.contents;
  if (!isMap(root)) return;
  const pair = root.items.find((item) => isScalar(item.key) && item.key.value === 'sops');
  const before = pair && isScalar(pair.key) ? pair.key.commentBefore : undefined;
  doc.delete('sops');
  if (before) root.comment = root.comment ? `${root.comment}\n${before}` : before;
}

function setMetadata(doc: Document, meta: SopsMetadata): void {
  const node = doc.createNode(serializeMetadata(meta));
  const lastmodified = node.get('lastmodified', true);
  if (isScalar(lastmodified)) lastmodified.type = Scalar.QUOTE_DOUBLE;
  doc.set('sops', node);
  // As sops writes it: the document's trailing comment stays with the document, before `sops:`.
  const root = doc.contents;
  const trailing = [root && isMap(root) ? root.comment : undefined, doc.comment].filter((c): c is string => typeof c === 'string' && c !== '');
  if (isMap(root) && trailing.length > 0) {
    const pair = root.items.find((item) => isScalar(item.key) && item.key.value === 'sops');
    if (pair && isScalar(pair.key)) {
      pair.key.commentBefore = trailing.join('\n');
      root.comment = null;
      doc.comment = null;
    }
  }
}

async function sealDocument(
  doc: Document,
  format: SopsFormat,
  dataKey: Uint8Array,
  stanzas: readonly AgeStanza[],
  rules: SelectionRules,
  stash: IvStash | undefined,
  source: string,
  now: Date,
): Promise<string> {
  const mac = encryptTree(doc, dataKey, rules, stash, source);
  const lastmodified = nowRfc3339(now);
  const encryptedMac = encryptLeaf(leafOf(mac), dataKey, macAdditionalData(lastmodified) as string);
  setMetadata(doc, { age: stanzas, lastmodified, mac: encryptedMac, version: SOPS_FORMAT_VERSION, ...rules });
  return serialize(doc, format);
}

/** Encrypts a plaintext document for the recipients with a new data key. */
export async function encryptDocument(plaintext: string, props: EncryptProps): Promise<string> {
  const format = props.format ?? 'yaml';
  const source = props.source ?? '<input>';
  if (props.recipients.length === 0) throw new SopsFormatError(source, 'no age recipients given');
  const rules = effectiveRules(props, source);
  const doc = parse(plaintext, format, source);
  if (doc.has('sops')) throw new SopsFormatError(source, 'is already encrypted (it has a `sops` block)');
  const dataKey = randomBytes(DATA_KEY_SIZE);
  const stanzas = await (await ageKeys()).wrapDataKey(dataKey, props.recipients, source);
  return sealDocument(doc, format, dataKey, stanzas, rules, undefined, source, props.now ?? new Date());
}

/** Decrypts and verifies a document, keeping what is needed to write it back (edit, rotate, recipients). */
export async function openDocument(text: string, props: DecryptProps): Promise<OpenedDocument> {
  const format = props.format ?? 'yaml';
  const source = props.source ?? '<input>';
  const doc = parse(text, format, source);
  const metaNode = doc.get('sops', true);
  if (metaNode === undefined) throw new SopsFormatError(source, 'is not encrypted (it has no `sops` block)');
  const metadata = parseMetadata((metaNode as Node).toJSON(), source);
  removeMetadata(doc);
  const dataKey = await (await ageKeys()).unwrapDataKey(metadata.age, props.identities, source);
  const stash = new IvStash();
  const computed = decryptTree(doc, dataKey, metadata, stash, source);
  verifyMac(metadata, dataKey, computed, source);
  return { format, plaintext: serialize(doc, format), metadata, dataKey, stash };
}

function verifyMac(metadata: SopsMetadata, dataKey: Uint8Array, computed: string, source: string): void {
  let stored: string;
  try {
    stored = String(decryptLeaf(metadata.mac, dataKey, macAdditionalData(metadata.lastmodified) as string).value);
  } catch {
    throw new MacMismatchError(source, 'the MAC does not decrypt with `lastmodified` as its additional data');
  }
  if (stored !== computed) throw new MacMismatchError(source, 'the values do not hash to the stored MAC');
}

/** Decrypts a document to its plaintext text; throws MacMismatchError or ValueDecryptionError if it was tampered with. */
export async function decryptDocument(text: string, props: DecryptProps): Promise<string> {
  return (await openDocument(text, props)).plaintext;
}

export interface ReencryptProps {
  /**
   * Recipients of the new file.
   * @default the recipients of the opened document
   */
  readonly recipients?: readonly string[];
  /**
   * Use a new data key (every value gets new ciphertext).
   * @default false
   */
  readonly rotate?: boolean;
  /**
   * The plaintext to write; for `edit`, the edited text.
   * @default the opened document's plaintext
   */
  readonly plaintext?: string;
  /** @default now */
  readonly now?: Date;
  /** @default '<input>' */
  readonly source?: string;
}

/**
 * Writes an opened document back. With the same data key, unchanged values keep their
 * ciphertext (small diffs) and recipients that stay keep their `enc` block.
 */
export async function reencryptDocument(opened: OpenedDocument, props: ReencryptProps = {}): Promise<string> {
  const source = props.source ?? '<input>';
  const recipients = props.recipients ?? opened.metadata.age.map((s) => s.recipient);
  if (recipients.length === 0) throw new SopsFormatError(source, 'a SOPS file needs at least one age recipient');
  const rotate = props.rotate ?? false;
  const dataKey = rotate ? randomBytes(DATA_KEY_SIZE) : opened.dataKey;
  const kept = new Map(rotate ? [] : opened.metadata.age.map((s) => [s.recipient, s] as const));
  const fresh = await (await ageKeys()).wrapDataKey(dataKey, recipients.filter((r) => !kept.has(r)), source);
  const byRecipient = new Map([...kept, ...fresh.map((s) => [s.recipient, s] as const)]);
  const stanzas = recipients.map((r) => byRecipient.get(r) as AgeStanza);
  const doc = parse(props.plaintext ?? opened.plaintext, opened.format, source);
  if (doc.has('sops')) throw new SopsFormatError(source, 'the plaintext must not contain a `sops` block');
  return sealDocument(doc, opened.format, dataKey, stanzas, rulesOf(opened.metadata), rotate ? undefined : opened.stash, source, props.now ?? new Date());
}

/** The metadata of an encrypted text without decrypting it. */
export function readMetadata(text: string, format: SopsFormat = 'yaml', source = '<input>'): SopsMetadata {
  const doc = parse(text, format, source);
  const metaNode = doc.get('sops', true);
  if (metaNode === undefined) throw new SopsFormatError(source, 'is not encrypted (it has no `sops` block)');
  return parseMetadata((metaNode as Node).toJSON(), source);
}

/** Decrypts a plain object (a parsed manifest) carrying a `sops` block; returns the plain object without it. */
export async function decryptObject(object: Readonly<Record<string, unknown>>, identities: readonly AgeIdentity[], source: string): Promise<Record<string, unknown>> {
  const { sops: raw, ...body } = object;
  const metadata = parseMetadata(raw, source);
  const doc = new Document(body, { keepSourceTokens: false });
  const dataKey = await (await ageKeys()).unwrapDataKey(metadata.age, identities, source);
  const computed = decryptTree(doc, dataKey, metadata, new IvStash(), source);
  verifyMac(metadata, dataKey, computed, source);
  return doc.toJS() as Record<string, unknown>;
}
