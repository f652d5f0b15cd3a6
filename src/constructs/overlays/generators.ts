import { canonicalize, sha256 } from '../../manifest/index.ts';
import { NON_SENSITIVE_ANNOTATION } from '../../secrets/plaintext-secrets.ts';
import { isRecord } from './_json.ts';
import { renameObjects } from './_references.ts';
import type { MutableObject, Overlay, OverlayContext, Resource } from './overlay.ts';

/** What to do when the set already holds an object of that name. */
export type GeneratorBehavior = 'create' | 'merge' | 'replace';

interface GeneratorOptions {
  /** The name references use; the object is called `<name>-<hash>`. */
  readonly name: string;
  readonly namespace: string;
  /**
   * `create` fails if the object exists; `merge` adds the keys to it; `replace` swaps it.
   * @default 'create'
   */
  readonly behavior?: GeneratorBehavior;
  /**
   * Append the content hash to the name (and to every reference), so that a change
   * of content rolls the workloads that use it.
   * @default true
   */
  readonly hashSuffix?: boolean;
  /** @default none */
  readonly labels?: Readonly<Record<string, string>>;
}

export interface ConfigMapGeneratorOptions extends GeneratorOptions {
  readonly data: Readonly<Record<string, string>>;
}

export interface SecretGeneratorOptions extends GeneratorOptions {
  /**
   * Plain values, stored base64-encoded in `data`. They end up in Git as they are, so
   * the compiler refuses the Secret unless `nonSensitive` is set; secret values belong
   * in a `SopsSecret` (encrypted in Git, decrypted only by the agent).
   */
  readonly stringData: Readonly<Record<string, string>>;
  /** @default 'Opaque' */
  readonly type?: string;
  /**
   * The values are not secret (a public CA bundle, a feature flag a tool reads from a
   * Secret): marks the Secret with the annotation `strata.dev/non-sensitive: "true"`, so
   * that the compiler writes it to Git as it is. With `behavior: 'merge'` the existing
   * Secret keeps its own marking: merging into a Secret does not declare its values public.
   * @default false (the compiler refuses the Secret, naming this generator's construct path)
   */
  readonly nonSensitive?: boolean;
}

function base64(text: string): string {
  let binary = '';
  for (const byte of new TextEncoder().encode(text)) binary += String.fromCharCode(byte);
  return btoa(binary);
}

/** The first 10 hex digits of the sha256 of the object's kind, name and content (kustomize hashes the same). @internal */
export function contentHash(object: MutableObject): string {
  const { kind, metadata, data, binaryData, type } = object;
  return sha256(JSON.stringify(canonicalize({ kind, name: metadata.name, data, binaryData, type }))).slice(0, 10);
}

interface Generated {
  readonly options: GeneratorOptions;
  /** A fresh object per synthesis: overlays change objects in place. */
  readonly build: () => MutableObject;
}

/** Adds or merges one generated object; returns the object whose name gets the hash. */
function place(kind: string, { options, build }: Generated, resources: Resource[], index: Map<string, Resource>, source: string, context: OverlayContext): MutableObject | undefined {
  const key = `${options.namespace}/${options.name}`;
  const existing = index.get(key);
  const generated = build();
  const behavior = options.behavior ?? 'create';
  if (existing === undefined) {
    if (behavior !== 'create') context.report(`${kind}/${options.namespace}/${options.name}: behavior "${behavior}" needs an existing object`);
    const added = { object: generated, source };
    resources.push(added);
    index.set(key, added);
    return generated;
  }
  if (behavior === 'create') {
    context.report(`${kind}/${options.namespace}/${options.name} already exists (from ${existing.source}); use behavior "merge" or "replace"`);
    return undefined;
  }
  if (behavior === 'replace') {
    existing.object = generated;
    return generated;
  }
  for (const field of ['data', 'binaryData'] as const) {
    const additions = generated[field];
    if (!isRecord(additions)) continue;
    const current = isRecord(existing.object[field]) ? (existing.object[field] as Record<string, unknown>) : {};
    existing.object[field] = { ...current, ...additions };
  }
  return existing.object;
}

function generator(kind: 'ConfigMap' | 'Secret', items: readonly Generated[]): Overlay {
  const label = kind === 'ConfigMap' ? 'configMapGenerator' : 'secretGenerator';
  const name = items.length === 1 ? `${label}(${items[0]!.options.namespace}/${items[0]!.options.name})` : `${label}(${items.length} objects)`;
  return {
    name,
    apply(resources: Resource[], context: OverlayContext): Resource[] {
      const hashed = new Map<MutableObject, string>();
      const index = new Map<string, Resource>();
      for (const resource of resources) {
        const { object } = resource;
        if (object.kind === kind && !index.has(`${object.metadata.namespace}/${object.metadata.name}`)) index.set(`${object.metadata.namespace}/${object.metadata.name}`, resource);
      }
      for (const item of items) {
        const source = `${context.cluster}/overlays/${label}(${item.options.namespace}/${item.options.name})`;
        const target = place(kind, item, resources, index, source, context);
        if (target !== undefined && (item.options.hashSuffix ?? true)) hashed.set(target, `${item.options.name}-${contentHash(target)}`);
      }
      // One pass over the set renames every generated object and its references.
      renameObjects(resources, (object) => hashed.get(object));
      return resources;
    },
  };
}

/**
 * Generates a ConfigMap whose name carries the hash of its content, and points every
 * reference to `name` in its namespace (env, envFrom, volumes) at the hashed name:
 * changing a value changes the pod template, so the Deployments that use it roll.
 * Run it before `namePrefix`/`nameSuffix`, so the prefix applies to it too. Give a
 * list to generate many at once: the references are then rewritten in one pass.
 */
export function configMapGenerator(options: ConfigMapGeneratorOptions | readonly ConfigMapGeneratorOptions[]): Overlay {
  const list: readonly ConfigMapGeneratorOptions[] = isList(options) ? options : [options];
  return generator(
    'ConfigMap',
    list.map((item) => ({
      options: item,
      build: () => ({
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: item.name, namespace: item.namespace, ...(item.labels === undefined ? {} : { labels: { ...item.labels } }) },
        data: { ...item.data },
      }),
    })),
  );
}

function isList<T>(value: T | readonly T[]): value is readonly T[] {
  return Array.isArray(value);
}

/** Like `configMapGenerator`, for a Secret of values that are not secret; see `stringData` and `nonSensitive`. */
export function secretGenerator(options: SecretGeneratorOptions | readonly SecretGeneratorOptions[]): Overlay {
  const list: readonly SecretGeneratorOptions[] = isList(options) ? options : [options];
  return generator(
    'Secret',
    list.map((item) => ({
      options: item,
      build: () => ({
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: {
          name: item.name,
          namespace: item.namespace,
          ...(item.labels === undefined ? {} : { labels: { ...item.labels } }),
          ...(item.nonSensitive === true ? { annotations: { [NON_SENSITIVE_ANNOTATION]: 'true' } } : {}),
        },
        type: item.type ?? 'Opaque',
        data: Object.fromEntries(Object.entries(item.stringData).map(([key, value]) => [key, base64(value)])),
      }),
    })),
  );
}
