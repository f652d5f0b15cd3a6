/**
 * Masking: every value that came out of decryption is replaced by `***` in any text the agent
 * sends out (status, Events, log lines, alerts, /metrics), whatever produced the text: an error
 * of kube-apiserver that echoes a pod template, a health message, a prune failure. The agent
 * remembers the plaintext of each Sync's last decryptions (and nothing else) in memory.
 */
import { isSopsEnvelope } from './sops-envelope.ts';

/** What a masked value is replaced with. */
export const MASK = '***';

/**
 * Values shorter than this are not masked: replacing every `1` or `yes` would garble every
 * message while hiding nothing a guess would not find. Documented in docs/secrets.md.
 */
export const MIN_MASKED_LENGTH = 4;

/** Values remembered per owner (the decryptions of a Sync's newest revisions). @default 4096 */
const MAX_VALUES_PER_OWNER = 4096;

export class SecretMask {
  private readonly byOwner = new Map<string, Set<string>>();
  private pattern: RegExp | undefined;
  private dirty = false;

  /** Adds the plaintext values of one decryption for `owner` (e.g. `namespace/name` of a Sync). */
  remember(owner: string, values: Iterable<string>): void {
    const known = this.byOwner.get(owner) ?? new Set<string>();
    const before = known.size;
    for (const value of values) for (const variant of variantsOf(value)) known.add(variant);
    // The oldest values go first when a Sync keeps changing its secrets.
    while (known.size > MAX_VALUES_PER_OWNER) known.delete(known.values().next().value as string);
    this.byOwner.set(owner, known);
    if (known.size !== before) this.dirty = true;
  }

  /** Forgets the values of an owner (a deleted Sync). */
  forget(owner: string): void {
    if (this.byOwner.delete(owner)) this.dirty = true;
  }

  /** `text` with every remembered value (raw, JSON- or Go-escaped, base64) replaced by `***`. */
  mask(text: string): string {
    const pattern = this.compiled();
    return pattern ? text.replace(pattern, MASK) : text;
  }

  private compiled(): RegExp | undefined {
    if (this.dirty) {
      const all = new Set<string>();
      for (const values of this.byOwner.values()) for (const value of values) all.add(value);
      // Longest first, so a value is masked whole before any shorter value inside it.
      const sorted = [...all].sort((a, b) => b.length - a.length).map(escapeRegExp);
      this.pattern = sorted.length === 0 ? undefined : new RegExp(sorted.join('|'), 'g');
      this.dirty = false;
    }
    return this.pattern;
  }
}

/** The forms a plaintext value takes in a message: as is, JSON- and Go-escaped, base64, and each long line of it. */
function variantsOf(value: string): string[] {
  if (value.length < MIN_MASKED_LENGTH) return [];
  const json = JSON.stringify(value).slice(1, -1);
  // Go's encoding/json escapes <, > and & too (kube-apiserver's error bodies).
  const go = json.replace(/</g, '\\u003c').replace(/>/g, '\\u003e').replace(/&/g, '\\u0026');
  const variants = new Set([value, json, go, Buffer.from(value, 'utf8').toString('base64')]);
  for (const line of value.split('\n')) if (line.trim().length >= 8) variants.add(line.trim());
  return [...variants];
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

const ENCRYPTED_VALUE = /^ENC\[[A-Z0-9_]+,data:/;

/**
 * The plaintext an object gained by decryption: each leaf of `decrypted` where `encrypted`
 * held `ENC[...]`, every value a SopsSecret envelope opened into, and the decoded form of a
 * Secret's base64 `data` values among them.
 */
export function plaintextValues(encrypted: unknown, decrypted: unknown): string[] {
  const values: string[] = [];
  const record = encrypted as { sops?: unknown; kind?: unknown } | null;
  if (record && typeof record === 'object' && isSopsEnvelope(record.sops)) {
    const { data, stringData } = decrypted as { data?: Record<string, unknown>; stringData?: Record<string, unknown> };
    const before = encrypted as { data?: Record<string, unknown>; stringData?: Record<string, unknown> };
    for (const [key, value] of Object.entries(stringData ?? {})) if (before.stringData?.[key] !== value) values.push(String(value));
    for (const [key, value] of Object.entries(data ?? {})) if (before.data?.[key] !== value) values.push(...withDecoded(String(value)));
    return values;
  }
  const secret = record?.kind === 'Secret';
  const visit = (from: unknown, to: unknown, path: readonly string[]): void => {
    if (typeof from === 'string') {
      if (ENCRYPTED_VALUE.test(from) && to !== undefined && to !== null) {
        const text = typeof to === 'string' ? to : JSON.stringify(to);
        values.push(...(secret && path[0] === 'data' ? withDecoded(text) : [text]));
      }
      return;
    }
    if (typeof from !== 'object' || from === null || typeof to !== 'object' || to === null) return;
    for (const [key, item] of Object.entries(from)) {
      if (path.length === 0 && key === 'sops') continue;
      visit(item, (to as Record<string, unknown>)[key], [...path, key]);
    }
  };
  visit(encrypted, decrypted, []);
  return values;
}

function withDecoded(base64: string): string[] {
  const decoded = Buffer.from(base64, 'base64').toString('utf8');
  return decoded.includes('\ufffd') ? [base64] : [base64, decoded];
}
