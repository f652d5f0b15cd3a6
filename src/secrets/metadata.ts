/**
 * The `sops` metadata block: age recipients with the armored data key, `lastmodified`,
 * the encrypted MAC, the one selection rule, and the format version. Only age is
 * supported; a file with KMS, PGP, Vault or key groups is refused with a clear error.
 */
import { SopsFormatError } from './errors.ts';

/** The sops format version Strata writes (readable by sops 3.9 and later). */
export const SOPS_FORMAT_VERSION = '3.9.0';

/** The default selection rule sops applies when a file names none. */
export const DEFAULT_UNENCRYPTED_SUFFIX = '_unencrypted';

/** The selection rule for Kubernetes Secrets: only `data` and `stringData` are encrypted. */
export const KUBERNETES_ENCRYPTED_REGEX = '^(data|stringData)$';

/** Which values are encrypted. At most one rule may be set; none means `unencryptedSuffix: _unencrypted`. */
export interface SelectionRules {
  readonly unencryptedSuffix?: string;
  readonly encryptedSuffix?: string;
  readonly unencryptedRegex?: string;
  readonly encryptedRegex?: string;
  readonly unencryptedCommentRegex?: string;
  readonly encryptedCommentRegex?: string;
  /** Hash only the encrypted values into the MAC (sops `--mac-only-encrypted`). @default false */
  readonly macOnlyEncrypted?: boolean;
}

/** One age recipient and the data key encrypted to it (an armored age file). */
export interface AgeStanza {
  readonly recipient: string;
  readonly enc: string;
}

export interface SopsMetadata extends SelectionRules {
  readonly age: readonly AgeStanza[];
  /** RFC 3339, as written in the file. */
  readonly lastmodified: string;
  /** The MAC, an `ENC[…,type:str]` value. */
  readonly mac: string;
  readonly version: string;
}

const RULE_FIELDS = [
  ['unencrypted_suffix', 'unencryptedSuffix'],
  ['encrypted_suffix', 'encryptedSuffix'],
  ['unencrypted_regex', 'unencryptedRegex'],
  ['encrypted_regex', 'encryptedRegex'],
  ['unencrypted_comment_regex', 'unencryptedCommentRegex'],
  ['encrypted_comment_regex', 'encryptedCommentRegex'],
] as const;

const OTHER_KEY_TYPES = ['kms', 'gcp_kms', 'hckms', 'azure_kv', 'hc_vault', 'pgp', 'key_groups'] as const;

/** Reads the `sops` block of a parsed document; names the source in every error. */
export function parseMetadata(raw: unknown, source: string): SopsMetadata {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new SopsFormatError(source, 'the `sops` metadata block is missing or not a mapping');
  const m = raw as Record<string, unknown>;
  for (const field of OTHER_KEY_TYPES) {
    const value = m[field];
    if (Array.isArray(value) ? value.length > 0 : value !== undefined && value !== null) {
      throw new SopsFormatError(source, `uses ${field} keys; Strata supports age recipients only (no KMS, PGP, Vault or key groups)`);
    }
  }
  if (m.shamir_threshold !== undefined && m.shamir_threshold !== null && m.shamir_threshold !== 0) {
    throw new SopsFormatError(source, 'uses Shamir key groups; Strata supports age recipients only');
  }
  const age = m.age ?? [];
  if (!Array.isArray(age)) throw new SopsFormatError(source, '`sops.age` is not a list');
  const stanzas = age.map((item, i): AgeStanza => {
    const entry = item as Record<string, unknown> | null;
    if (typeof entry?.recipient !== 'string' || typeof entry.enc !== 'string') throw new SopsFormatError(source, `sops.age[${i}] needs a recipient and an enc string`);
    return { recipient: entry.recipient, enc: entry.enc };
  });
  if (stanzas.length === 0) throw new SopsFormatError(source, 'the file has no age recipients; Strata supports age recipients only');
  const lastmodified = m.lastmodified instanceof Date ? m.lastmodified.toISOString().replace(/\.\d+Z$/, 'Z') : m.lastmodified;
  if (typeof lastmodified !== 'string' || macAdditionalData(lastmodified) === undefined) throw new SopsFormatError(source, '`sops.lastmodified` is missing or not an RFC 3339 time');
  if (typeof m.mac !== 'string') throw new SopsFormatError(source, '`sops.mac` is missing');
  const rules: Record<string, string | boolean> = {};
  let count = 0;
  for (const [field, prop] of RULE_FIELDS) {
    const value = m[field];
    if (typeof value === 'string' && value !== '') {
      rules[prop] = value;
      count += 1;
    }
  }
  if (count > 1) throw new SopsFormatError(source, 'more than one selection rule (encrypted_regex, unencrypted_suffix, …) is set; sops allows one');
  if (count === 0) rules.unencryptedSuffix = DEFAULT_UNENCRYPTED_SUFFIX;
  if (m.mac_only_encrypted === true) rules.macOnlyEncrypted = true;
  return { age: stanzas, lastmodified, mac: m.mac, version: typeof m.version === 'string' ? m.version : String(m.version ?? ''), ...rules };
}

/** The metadata as a plain object in the field order sops writes (empty rules omitted). */
export function serializeMetadata(meta: SopsMetadata): Record<string, unknown> {
  const out: Record<string, unknown> = {
    age: meta.age.map((s) => ({ recipient: s.recipient, enc: s.enc })),
    lastmodified: meta.lastmodified,
    mac: meta.mac,
  };
  for (const [field, prop] of RULE_FIELDS) {
    const value = meta[prop];
    if (value !== undefined && value !== '') out[field] = value;
  }
  if (meta.macOnlyEncrypted) out.mac_only_encrypted = true;
  out.version = meta.version;
  return out;
}

/** Validates rules: at most one, regexes compile. Returns the effective rules (sops' default when none). */
export function effectiveRules(rules: SelectionRules, source: string): SelectionRules {
  const set = RULE_FIELDS.filter(([, prop]) => rules[prop] !== undefined && rules[prop] !== '');
  if (set.length > 1) throw new SopsFormatError(source, `choose one selection rule, got ${set.map(([f]) => f).join(' and ')}`);
  for (const prop of ['unencryptedRegex', 'encryptedRegex', 'unencryptedCommentRegex', 'encryptedCommentRegex'] as const) {
    const value = rules[prop];
    if (value) goRegExp(value, source);
  }
  const base = set.length === 0 ? { unencryptedSuffix: DEFAULT_UNENCRYPTED_SUFFIX } : Object.fromEntries(set.map(([, prop]) => [prop, rules[prop]]));
  return { ...base, ...(rules.macOnlyEncrypted ? { macOnlyEncrypted: true } : {}) };
}

const regexCache = new Map<string, RegExp>();

/** A Go (RE2) regular expression as a JS RegExp: leading inline flags `(?i)`, `(?s)`, `(?m)` become JS flags. */
export function goRegExp(pattern: string, source = 'selection rule'): RegExp {
  const cached = regexCache.get(pattern);
  if (cached) return cached;
  let body = pattern;
  let flags = '';
  const inline = /^\(\?([ims]+)\)/.exec(body);
  if (inline?.[1]) {
    flags += inline[1];
    body = body.slice(inline[0].length);
  }
  try {
    const re = new RegExp(body, flags);
    regexCache.set(pattern, re);
    return re;
  } catch (error) {
    throw new SopsFormatError(source, `the regular expression ${JSON.stringify(pattern)} does not compile`, { cause: error });
  }
}

/**
 * sops' shouldBeEncrypted: whether the value at `path` (mapping keys) is encrypted,
 * given the comment lines active at each level (`commentsStack`).
 */
export function shouldBeEncrypted(rules: SelectionRules, path: readonly string[], commentsStack: readonly (readonly string[])[], isComment: boolean): boolean {
  let encrypted = true;
  if (rules.unencryptedSuffix) {
    if (path.some((p) => p.endsWith(rules.unencryptedSuffix as string))) encrypted = false;
  }
  if (rules.encryptedSuffix) {
    encrypted = path.some((p) => p.endsWith(rules.encryptedSuffix as string));
  }
  if (rules.unencryptedRegex) {
    const re = goRegExp(rules.unencryptedRegex);
    if (path.some((p) => re.test(p))) encrypted = false;
  }
  if (rules.encryptedRegex) {
    const re = goRegExp(rules.encryptedRegex);
    encrypted = path.some((p) => re.test(p));
  }
  if (rules.unencryptedCommentRegex) {
    const re = goRegExp(rules.unencryptedCommentRegex);
    if (commentsStack.some((cs) => cs.some((c) => re.test(c)))) encrypted = false;
  }
  if (rules.encryptedCommentRegex) {
    const re = goRegExp(rules.encryptedCommentRegex);
    const last = commentsStack.length - 1;
    encrypted = commentsStack.some((cs, i) => cs.some((c, j) => !(isComment && i === last && j === cs.length - 1) && re.test(c)));
  }
  return encrypted;
}

/**
 * The additional data of the MAC: `lastmodified` as Go formats it with time.RFC3339
 * (fractional seconds dropped). Undefined when the text is not an RFC 3339 time.
 */
export function macAdditionalData(lastmodified: string): string | undefined {
  const m = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.\d+)?(Z|[+-]\d{2}:\d{2})$/i.exec(lastmodified);
  if (!m) return undefined;
  const zone = m[2] === 'z' || m[2] === 'Z' || m[2] === '+00:00' ? 'Z' : (m[2] as string);
  return `${(m[1] as string).toUpperCase()}${zone}`;
}

/** Now, as sops writes `lastmodified`: UTC, whole seconds, `Z`. */
export function nowRfc3339(now: Date = new Date()): string {
  return now.toISOString().replace(/\.\d+Z$/, 'Z');
}
