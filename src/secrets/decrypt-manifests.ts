/**
 * The agent side: decrypts the SOPS objects of a manifest set (plain SOPS documents and
 * SopsSecret envelopes) with age identities, MAC verified. Every failure names its object
 * and never carries plaintext; one bad object fails the whole set (nothing is applied).
 */
import { describeRef, ManifestSet, type KubeObject, type ManifestEntry } from '../manifest/index.ts';
import { parseIdentities, type AgeIdentity } from './age-keys.ts';
import { decryptObject, isSopsObject } from './document.ts';
import { plaintextValues, type SecretMask } from './mask.ts';
import { isSopsEnvelope, openEnvelope } from './sops-envelope.ts';

/** One object that could not be decrypted; the cause says why (no plaintext). */
export class ObjectDecryptionError extends Error {
  override readonly name = 'ObjectDecryptionError';
  constructor(
    readonly object: string,
    cause: unknown,
  ) {
    super(`${object}: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
  }
}

/** True when the object still carries ciphertext (a SOPS document or a SopsSecret envelope). */
export function isEncryptedObject(object: Readonly<Record<string, unknown>>): boolean {
  return isSopsObject(object) || isSopsEnvelope(object.sops);
}

export interface DecryptManifestsOptions {
  /** The age identities to try (e.g. from the Sync's decryption Secret). */
  readonly identities: readonly AgeIdentity[];
  /** Told the plaintext values each decrypted object gained (for a SecretMask). @default none */
  readonly onPlaintext?: (values: readonly string[]) => void;
}

/** Returns a new set with every encrypted object decrypted; throws one AggregateError of ObjectDecryptionError naming each failure. */
export async function decryptManifests(set: ManifestSet, options: DecryptManifestsOptions): Promise<ManifestSet> {
  if (!set.entries.some((entry) => isEncryptedObject(entry.object))) return set;
  const errors: ObjectDecryptionError[] = [];
  const out: { object: KubeObject; source?: string }[] = [];
  for (const entry of set.entries) {
    try {
      const decrypted = await decryptEntry(entry, options.identities);
      if (decrypted !== entry.object) options.onPlaintext?.(plaintextValues(entry.object, decrypted));
      const object = decrypted !== entry.object ? foldStringData(decrypted) : decrypted;
      out.push({ object, ...(entry.source === undefined ? {} : { source: entry.source }) });
    } catch (error) {
      errors.push(new ObjectDecryptionError(describeRef(entry.ref), error));
    }
  }
  if (errors.length > 0) throw new AggregateError(errors, errors.map((e) => e.message).join('\n'));
  return ManifestSet.of(out);
}

/**
 * For a decrypted Secret, moves `stringData` into `data` (base64), as the API server does on
 * write: what the agent applies then matches what it reads back, so diffs and drift checks see
 * the values (`stringData` is never returned by the API).
 */
function foldStringData(object: KubeObject): KubeObject {
  if (object.apiVersion !== 'v1' || object.kind !== 'Secret') return object;
  const stringData = object.stringData as Record<string, unknown> | undefined;
  if (stringData === undefined || stringData === null || typeof stringData !== 'object') return object;
  const { stringData: _s, ...rest } = object as Record<string, unknown>;
  const data: Record<string, string> = { ...(rest.data as Record<string, string> | undefined) };
  for (const [key, value] of Object.entries(stringData)) data[key] = Buffer.from(String(value), 'utf8').toString('base64');
  return { ...rest, data } as unknown as KubeObject;
}

async function decryptEntry(entry: ManifestEntry, identities: readonly AgeIdentity[]): Promise<KubeObject> {
  const object = entry.object;
  const sops = (object as { sops?: unknown }).sops;
  if (isSopsEnvelope(sops)) {
    const { stringData, data } = await openEnvelope(sops, identities);
    const { sops: _envelope, ...rest } = object as Record<string, unknown>;
    return {
      ...rest,
      ...(Object.keys(data).length > 0 ? { data: { ...(rest.data as Record<string, string> | undefined), ...data } } : {}),
      ...(Object.keys(stringData).length > 0 ? { stringData: { ...(rest.stringData as Record<string, string> | undefined), ...stringData } } : {}),
    } as KubeObject;
  }
  // Errors name the file as it is in the Sync's folder, not its canonical path.
  if (isSopsObject(object)) return (await decryptObject(object, identities, entry.source ?? entry.file)) as KubeObject;
  return object;
}

/** The age identities of a Secret's `*.agekey` entries (`data` base64, or `stringData`). */
export async function identitiesFromSecret(secret: { readonly data?: Readonly<Record<string, string>>; readonly stringData?: Readonly<Record<string, string>> }, name: string): Promise<AgeIdentity[]> {
  const identities: AgeIdentity[] = [];
  for (const [key, value] of Object.entries(secret.data ?? {})) {
    if (key.endsWith('.agekey')) identities.push(...(await parseIdentities(Buffer.from(value, 'base64').toString('utf8'), `${name}[${key}]`)));
  }
  for (const [key, value] of Object.entries(secret.stringData ?? {})) {
    if (key.endsWith('.agekey')) identities.push(...(await parseIdentities(value, `${name}[${key}]`)));
  }
  return identities;
}

/** What the hook reads of a Sync. */
export interface SyncLike {
  readonly metadata: { readonly namespace?: string; readonly name: string };
  readonly spec: { readonly decryption?: { readonly provider: string; readonly secretRef?: { readonly name: string } } };
}

export interface SopsDecryptHookProps<S extends SyncLike = SyncLike> {
  /** Reads a Secret of the Sync's namespace; undefined when it does not exist. */
  readonly readSecret: (namespace: string, name: string, signal?: AbortSignal) => Promise<{ readonly data?: Record<string, string> } | undefined>;
  /** Called for a set with encrypted objects when the Sync has no `spec.decryption` (it must refuse them). */
  readonly refuse: (set: ManifestSet, sync: S) => Promise<ManifestSet>;
  /** Remembers each Sync's decrypted values (under `namespace/name`) so that the agent's messages mask them. @default none */
  readonly mask?: SecretMask;
}

/** The agent's decrypt hook: `spec.decryption: {provider: sops, secretRef}` → age identities from that Secret's `*.agekey` entries. */
export function sopsDecryptHook<S extends SyncLike>(props: SopsDecryptHookProps<S>): (set: ManifestSet, sync: S, signal?: AbortSignal) => Promise<ManifestSet> {
  return async (set, sync, signal) => {
    if (!set.entries.some((entry) => isEncryptedObject(entry.object))) return set;
    const decryption = sync.spec.decryption;
    if (!decryption) return props.refuse(set, sync);
    const namespace = sync.metadata.namespace ?? 'default';
    if (decryption.provider !== 'sops') throw new Error(`spec.decryption.provider ${JSON.stringify(decryption.provider)} is not supported (only sops)`);
    const ref = decryption.secretRef?.name;
    if (!ref) throw new Error('spec.decryption.secretRef is required: a Secret whose *.agekey entries hold the age identities');
    const secret = await props.readSecret(namespace, ref, signal);
    if (!secret) throw new Error(`Secret ${namespace}/${ref} (spec.decryption.secretRef) not found`);
    const identities = await identitiesFromSecret(secret, `Secret ${namespace}/${ref}`);
    if (identities.length === 0) throw new Error(`Secret ${namespace}/${ref} (spec.decryption.secretRef) has no *.agekey entry with an age identity`);
    const owner = `${namespace}/${sync.metadata.name}`;
    return decryptManifests(set, { identities, ...(props.mask ? { onPlaintext: (values: readonly string[]) => props.mask?.remember(owner, values) } : {}) });
  };
}
