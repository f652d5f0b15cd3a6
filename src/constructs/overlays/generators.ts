import { canonicalize, sha256 } from '../../manifest/index.ts';
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
   * Plain values, stored base64-encoded in `data`. They end up in Git as they are:
   * use this only for non-sensitive values (or values the secrets tooling encrypts).
   */
  readonly stringData: Readonly<Record<string, string>>;
  /** @default 'Opaque' */
  readonly type?: string;
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

function generator(kind: 'ConfigMap' | 'Secret', options: GeneratorOptions, build: () => MutableObject): Overlay {
  const name = `${kind === 'ConfigMap' ? 'configMapGenerator' : 'secretGenerator'}(${options.namespace}/${options.name})`;
  return {
    name,
    apply(resources: Resource[], context: OverlayContext): Resource[] {
      const generated = build();
      const existing = resources.find(({ object }) => object.kind === kind && object.metadata.name === options.name && object.metadata.namespace === options.namespace);
      const behavior = options.behavior ?? 'create';
      let target: Resource;
      if (existing === undefined) {
        if (behavior !== 'create') context.report(`${kind}/${options.namespace}/${options.name}: behavior "${behavior}" needs an existing object`);
        target = { object: generated, source: `${context.cluster}/overlays/${name}` };
        resources.push(target);
      } else if (behavior === 'create') {
        context.report(`${kind}/${options.namespace}/${options.name} already exists (from ${existing.source}); use behavior "merge" or "replace"`);
        return resources;
      } else {
        target = existing;
        if (behavior === 'replace') target.object = generated;
        else for (const field of ['data', 'binaryData'] as const) {
          const additions = generated[field];
          if (!isRecord(additions)) continue;
          const current = isRecord(target.object[field]) ? (target.object[field] as Record<string, unknown>) : {};
          target.object[field] = { ...current, ...additions };
        }
      }
      if (options.hashSuffix ?? true) {
        const hashed = `${options.name}-${contentHash(target.object)}`;
        renameObjects(resources, (object) => (object === target.object ? hashed : undefined));
      }
      return resources;
    },
  };
}

/**
 * Generates a ConfigMap whose name carries the hash of its content, and points every
 * reference to `name` in its namespace (env, envFrom, volumes) at the hashed name:
 * changing a value changes the pod template, so the Deployments that use it roll.
 * Run it before `namePrefix`/`nameSuffix`, so the prefix applies to it too.
 */
export function configMapGenerator(options: ConfigMapGeneratorOptions): Overlay {
  return generator('ConfigMap', options, () => ({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: options.name, namespace: options.namespace, ...(options.labels === undefined ? {} : { labels: { ...options.labels } }) },
    data: { ...options.data },
  }));
}

/** Like `configMapGenerator`, for a Secret; see the warning on `stringData`. */
export function secretGenerator(options: SecretGeneratorOptions): Overlay {
  return generator('Secret', options, () => ({
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: options.name, namespace: options.namespace, ...(options.labels === undefined ? {} : { labels: { ...options.labels } }) },
    type: options.type ?? 'Opaque',
    data: Object.fromEntries(Object.entries(options.stringData).map(([key, value]) => [key, base64(value)])),
  }));
}
