import { recordsOf } from './_json.ts';
import { CLUSTER_SCOPED_KINDS } from './_kinds.ts';
import type { Overlay, Resource } from './overlay.ts';

export interface NamespaceOptions {
  /**
   * Also move objects that already have a namespace. With `false` only objects
   * without one are placed, so a component can keep its own.
   * @default true
   */
  readonly overwrite?: boolean;
}

/**
 * Puts every namespaced object into `name` (kustomize's `namespace:`), and keeps
 * RoleBinding subjects pointing at the ServiceAccounts it moved. Cluster-scoped
 * objects (Namespaces, ClusterRoles, IngressClasses...) are left alone.
 */
export function namespace(name: string, options: NamespaceOptions = {}): Overlay {
  const overwrite = options.overwrite ?? true;
  return {
    name: `namespace(${name})`,
    apply(resources: Resource[]): Resource[] {
      const movedAccounts = new Set<string>();
      for (const { object } of resources) {
        if (CLUSTER_SCOPED_KINDS.has(object.kind)) continue;
        const current = object.metadata.namespace;
        if (current !== undefined && !overwrite) continue;
        if (object.kind === 'ServiceAccount') movedAccounts.add(`${current ?? ''}/${object.metadata.name}`);
        object.metadata.namespace = name;
      }
      for (const { object } of resources) {
        if (object.kind !== 'RoleBinding' && object.kind !== 'ClusterRoleBinding') continue;
        for (const subject of recordsOf(object, 'subjects')) {
          if (subject.kind !== 'ServiceAccount' || typeof subject.name !== 'string') continue;
          const subjectNamespace = typeof subject.namespace === 'string' ? subject.namespace : '';
          if (movedAccounts.has(`${subjectNamespace}/${subject.name}`)) subject.namespace = name;
        }
      }
      return resources;
    },
  };
}
