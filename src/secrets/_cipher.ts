/**
 * @internal The SOPS value cipher: AES-256-GCM with a 32-byte IV and a 16-byte tag,
 * written as `ENC[AES256_GCM,data:…,iv:…,tag:…,type:…]` (standard base64), the
 * additional data being the value's mapping keys joined and ended by `:`.
 * Mirrors sops' aes/cipher.go and sops.ToBytes, including the Python-era quirks
 * (booleans as `True`/`False`, floats without exponent or trailing zeros).
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/** The value types of the ENC format. `time` and `bytes` are read, never written. */
export type ValueType = 'str' | 'int' | 'float' | 'bool' | 'comment' | 'time' | 'bytes';

/** A plaintext leaf as sops types it, with the exact bytes that are encrypted and hashed into the MAC. */
export interface Leaf {
  readonly type: ValueType;
  /** The value as YAML/JSON data: string, number or boolean. */
  readonly value: string | number | boolean;
  /** The bytes sops encrypts (and hashes) for this value. */
  readonly bytes: Buffer;
}

export const IV_SIZE = 32;
const TAG_SIZE = 16;
export const DATA_KEY_SIZE = 32;
const ENC_RE = /^ENC\[AES256_GCM,data:(.+),iv:(.+),tag:(.+),type:(.+)\]/;

export function isEncryptedValue(value: unknown): value is string {
  return typeof value === 'string' && ENC_RE.test(value);
}

/** Go's strconv.FormatFloat(v, 'f', -1, 64): shortest round-trip digits, never an exponent. */
export function formatFloat(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  if (Object.is(v, -0)) return '-0';
  const s = String(v);
  const m = /^(-?)(\d)(?:\.(\d+))?e([+-]\d+)$/.exec(s);
  if (!m) return s;
  const [, sign, first, rest = '', expText] = m;
  const digits = `${first}${rest}`;
  const exp = Number(expText);
  if (exp >= 0) {
    const intLen = 1 + exp;
    return intLen >= digits.length ? `${sign}${digits}${'0'.repeat(intLen - digits.length)}` : `${sign}${digits.slice(0, intLen)}.${digits.slice(intLen)}`;
  }
  return `${sign}0.${'0'.repeat(-exp - 1)}${digits}`;
}

/** sops.ToBytes for a plain (unencrypted) leaf. */
export function leafOf(value: string | number | bigint | boolean, source?: string): Leaf {
  if (typeof value === 'string') return { type: 'str', value, bytes: Buffer.from(value, 'utf8') };
  if (typeof value === 'boolean') return { type: 'bool', value, bytes: Buffer.from(value ? 'True' : 'False') };
  if (typeof value === 'bigint') return { type: 'int', value: Number(value), bytes: Buffer.from(value.toString()) };
  const looksFloat = source !== undefined && /[.eEnN]/.test(source) && !/^[-+]?0x/i.test(source);
  if (Number.isInteger(value) && !looksFloat && Math.abs(value) <= Number.MAX_SAFE_INTEGER) {
    return { type: 'int', value, bytes: Buffer.from(String(value)) };
  }
  return { type: 'float', value, bytes: Buffer.from(formatFloat(value)) };
}

export function commentLeaf(text: string): Leaf {
  return { type: 'comment', value: text, bytes: Buffer.from(text, 'utf8') };
}

/**
 * Remembers the IV each (plaintext, additional data) pair was decrypted with, so that
 * re-encrypting an unchanged value under the same data key yields the same ciphertext
 * (what keeps `edit` diffs small, as sops does). Only identical pairs reuse an IV.
 */
export class IvStash {
  private readonly ivs = new Map<string, Buffer>();
  private static key(leaf: Leaf, ad: string): string {
    return `${leaf.type}\0${ad}\0${leaf.bytes.toString('base64')}`;
  }
  remember(leaf: Leaf, ad: string, iv: Buffer): void {
    this.ivs.set(IvStash.key(leaf, ad), iv);
  }
  recall(leaf: Leaf, ad: string): Buffer | undefined {
    return this.ivs.get(IvStash.key(leaf, ad));
  }
}

/** Encrypts one leaf; the empty string stays empty, as in sops. */
export function encryptLeaf(leaf: Leaf, key: Uint8Array, ad: string, stash?: IvStash): string {
  if (leaf.bytes.length === 0 && leaf.type === 'str') return '';
  const iv = stash?.recall(leaf, ad) ?? randomBytes(IV_SIZE);
  const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_SIZE });
  cipher.setAAD(Buffer.from(ad, 'utf8'));
  const data = Buffer.concat([cipher.update(leaf.bytes), cipher.final()]);
  const tag = cipher.getAuthTag();
  return `ENC[AES256_GCM,data:${data.toString('base64')},iv:${iv.toString('base64')},tag:${tag.toString('base64')},type:${leaf.type}]`;
}

/** Why a value could not be decrypted; never carries plaintext. */
export type DecryptFailure = 'format' | 'auth' | 'type';

export class LeafDecryptError extends Error {
  override readonly name = 'LeafDecryptError';
  constructor(readonly reason: DecryptFailure) {
    super(reason === 'format' ? 'not a SOPS encrypted value' : reason === 'auth' ? 'authentication failed' : 'value does not parse as its declared type');
  }
}

/** Decrypts one `ENC[…]` value (the empty string decrypts to itself). Throws LeafDecryptError. */
export function decryptLeaf(text: string, key: Uint8Array, ad: string, stash?: IvStash): Leaf {
  if (text === '') return leafOf('');
  const m = ENC_RE.exec(text);
  if (!m) throw new LeafDecryptError('format');
  const [, dataText = '', ivText = '', tagText = '', type = ''] = m;
  const data = Buffer.from(dataText, 'base64');
  const iv = Buffer.from(ivText, 'base64');
  const tag = Buffer.from(tagText, 'base64');
  if (iv.length === 0 || tag.length !== TAG_SIZE) throw new LeafDecryptError('format');
  let plain: Buffer;
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_SIZE });
    decipher.setAAD(Buffer.from(ad, 'utf8'));
    decipher.setAuthTag(tag);
    plain = Buffer.concat([decipher.update(data), decipher.final()]);
  } catch {
    throw new LeafDecryptError('auth');
  }
  const leaf = typedLeaf(type, plain);
  stash?.remember(leaf, ad, iv);
  return leaf;
}

function typedLeaf(type: string, plain: Buffer): Leaf {
  const text = plain.toString('utf8');
  switch (type) {
    case 'str':
      return { type: 'str', value: text, bytes: plain };
    case 'comment':
      return commentLeaf(text);
    case 'int': {
      if (!/^[-+]?\d+$/.test(text)) throw new LeafDecryptError('type');
      const n = Number(text);
      return { type: 'int', value: n, bytes: Buffer.from(BigInt(text).toString()) };
    }
    case 'float': {
      const n = parseGoFloat(text);
      if (n === undefined) throw new LeafDecryptError('type');
      return { type: 'float', value: n, bytes: Buffer.from(formatFloat(n)) };
    }
    case 'bool': {
      if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(text)) return leafOf(true);
      if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(text)) return leafOf(false);
      throw new LeafDecryptError('type');
    }
    case 'time':
    case 'bytes':
      return { type, value: text, bytes: plain };
    default:
      throw new LeafDecryptError('format');
  }
}

function parseGoFloat(text: string): number | undefined {
  const t = text.replace(/_/g, '');
  if (/^[-+]?(inf|infinity)$/i.test(t)) return t.startsWith('-') ? -Infinity : Infinity;
  if (/^nan$/i.test(t)) return NaN;
  if (!/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(t)) return undefined;
  return Number(t);
}
