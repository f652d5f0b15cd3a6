import { renameObjects } from './_references.ts';
import type { MutableObject, Overlay, Resource } from './overlay.ts';

export interface NameAffixOptions {
  /**
   * Kinds whose names stay as they are: shared, cluster-wide things that other
   * tools name by convention.
   * @default ['Namespace', 'CustomResourceDefinition', 'IngressClass', 'PriorityClass', 'StorageClass']
   */
  readonly skipKinds?: readonly string[];
}

const DEFAULT_SKIP_KINDS = ['Namespace', 'CustomResourceDefinition', 'IngressClass', 'PriorityClass', 'StorageClass'];

function affix(label: string, rename: (name: string) => string, options: NameAffixOptions): Overlay {
  const skip = new Set(options.skipKinds ?? DEFAULT_SKIP_KINDS);
  return {
    name: label,
    apply(resources: Resource[]): Resource[] {
      renameObjects(resources, (object: MutableObject) => (skip.has(object.kind) ? undefined : rename(object.metadata.name)));
      return resources;
    },
  };
}

/**
 * Prefixes every object's name (kustomize's `namePrefix`) and rewrites the references
 * to it: ConfigMap, Secret, ServiceAccount and PVC references in pod specs (volumes,
 * env, envFrom, imagePullSecrets), Service and Secret references in Ingresses, HPA
 * and Canary targets, RoleBinding roles and subjects. Selectors are label-based and
 * need no change.
 */
export function namePrefix(prefix: string, options: NameAffixOptions = {}): Overlay {
  return affix(`namePrefix(${prefix})`, (name) => `${prefix}${name}`, options);
}

/** Suffixes every object's name and rewrites the references to it; see `namePrefix`. */
export function nameSuffix(suffix: string, options: NameAffixOptions = {}): Overlay {
  return affix(`nameSuffix(${suffix})`, (name) => `${name}${suffix}`, options);
}
