/**
 * The compiler's guard: a plain Secret with values must not reach `deploy/<cluster>/`
 * (that is plaintext in Git). Use a `SopsSecret`, or mark the Secret non-sensitive.
 */
import type { KubeObject } from '../manifest/index.ts';
import { isSopsObject } from './document.ts';
import { isSopsEnvelope } from './sops-envelope.ts';

/** Set to `"true"` on a Secret whose values may be stored in Git as they are (test fixtures, public CA bundles). */
export const NON_SENSITIVE_ANNOTATION = 'strata.dev/non-sensitive';

/** One plain Secret with values: where it came from and which keys it holds (never the values). */
export interface PlaintextSecret {
  /** `Secret/<namespace>/<name>`. */
  readonly object: string;
  /** The construct path (or file) that produced it. */
  readonly source: string;
  readonly keys: readonly string[];
  /** The fields holding them: `data`, `stringData` or both, comma-separated. */
  readonly field: string;
}

export interface EntryLike {
  readonly object: KubeObject;
  readonly source?: string;
}

function isEncrypted(object: KubeObject): boolean {
  const sops = (object as { sops?: unknown }).sops;
  return isSopsObject(object) || isSopsEnvelope(sops);
}

/** The plain Secrets with `data` or `stringData` among `entries`, not encrypted and not marked non-sensitive. */
export function findPlaintextSecrets(entries: Iterable<EntryLike>): PlaintextSecret[] {
  const found: PlaintextSecret[] = [];
  for (const { object, source } of entries) {
    if (object.kind !== 'Secret' || object.apiVersion !== 'v1') continue;
    if (isEncrypted(object)) continue;
    if (object.metadata.annotations?.[NON_SENSITIVE_ANNOTATION] === 'true') continue;
    const fields = (['data', 'stringData'] as const).filter((f) => typeof object[f] === 'object' && object[f] !== null && Object.keys(object[f] as object).length > 0);
    const keys = fields.flatMap((f) => Object.keys(object[f] as object));
    if (keys.length === 0) continue;
    const ns = object.metadata.namespace;
    found.push({ object: `Secret/${ns ? `${ns}/` : ''}${object.metadata.name}`, source: source ?? '<unknown>', keys: [...new Set(keys)].sort(), field: fields.join(', ') });
  }
  return found;
}

/** What to tell the author of a plain Secret (the keys, never the values). */
export function plaintextSecretMessage(secret: PlaintextSecret): string {
  return `plaintext Secret values (${secret.keys.join(', ')}) would be written to Git; use a SopsSecret, or set the annotation ${NON_SENSITIVE_ANNOTATION}: "true" if they are not secret`;
}

/** Raised with every plain Secret found; each line names the construct path and the keys. */
export class PlaintextSecretError extends Error {
  override readonly name = 'PlaintextSecretError';
  constructor(readonly secrets: readonly PlaintextSecret[]) {
    super(
      `${secrets.length} Secret${secrets.length === 1 ? '' : 's'} would be written to Git in plaintext:\n` +
        secrets.map((s) => `  ${s.source}: ${s.object} holds ${s.keys.join(', ')}`).join('\n') +
        `\nUse a SopsSecret (an encrypted file made with \`strata secrets encrypt\`), or, for values that are not secret, ` +
        `set the annotation ${NON_SENSITIVE_ANNOTATION}: "true".`,
    );
  }
}

/** Throws PlaintextSecretError listing every plain Secret with values. */
export function assertNoPlaintextSecrets(entries: Iterable<EntryLike>): void {
  const found = findPlaintextSecrets(entries);
  if (found.length > 0) throw new PlaintextSecretError(found);
}
