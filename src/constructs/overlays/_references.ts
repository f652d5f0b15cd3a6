import { recordAt, recordsOf, type JsonRecord } from './_json.ts';
import { CLUSTER_SCOPED_KINDS, containersOf, namespaceOf, podSpecOf } from './_kinds.ts';
import type { MutableObject, Resource } from './overlay.ts';

/** One place an object names another: `holder[key]` holds the name of a `kind` object. @internal */
export interface NameReference {
  readonly kind: string;
  /** The referenced object's namespace ('' for cluster-scoped kinds). */
  readonly namespace: string;
  readonly holder: JsonRecord;
  readonly key: string;
}

type Visit = (kind: string, holder: JsonRecord | undefined, key: string, namespace?: unknown) => void;

function podSpecReferences(spec: JsonRecord, visit: Visit): void {
  visit('ServiceAccount', spec, 'serviceAccountName');
  visit('ServiceAccount', spec, 'serviceAccount');
  visit('PriorityClass', spec, 'priorityClassName');
  for (const secret of recordsOf(spec, 'imagePullSecrets')) visit('Secret', secret, 'name');
  for (const volume of recordsOf(spec, 'volumes')) {
    visit('ConfigMap', recordAt(volume, ['configMap']), 'name');
    visit('Secret', recordAt(volume, ['secret']), 'secretName');
    visit('PersistentVolumeClaim', recordAt(volume, ['persistentVolumeClaim']), 'claimName');
    for (const source of recordsOf(recordAt(volume, ['projected']), 'sources')) {
      visit('ConfigMap', recordAt(source, ['configMap']), 'name');
      visit('Secret', recordAt(source, ['secret']), 'name');
    }
  }
  for (const container of containersOf(spec)) {
    for (const from of recordsOf(container, 'envFrom')) {
      visit('ConfigMap', recordAt(from, ['configMapRef']), 'name');
      visit('Secret', recordAt(from, ['secretRef']), 'name');
    }
    for (const variable of recordsOf(container, 'env')) {
      visit('ConfigMap', recordAt(variable, ['valueFrom', 'configMapKeyRef']), 'name');
      visit('Secret', recordAt(variable, ['valueFrom', 'secretKeyRef']), 'name');
    }
  }
}

function typedRef(holder: JsonRecord | undefined, visit: Visit): void {
  if (holder !== undefined && typeof holder.kind === 'string') visit(holder.kind, holder, 'name', holder.namespace);
}

/**
 * Where each kind names other objects, beyond pod specs (which every workload kind
 * shares). A rule table: add a kind here and prefixes, suffixes and generated
 * names follow its references.
 */
const REFERENCE_RULES: Readonly<Record<string, (object: MutableObject, visit: Visit) => void>> = {
  Ingress: (object, visit) => {
    const spec = recordAt(object, ['spec']);
    visit('IngressClass', spec, 'ingressClassName');
    visit('Service', recordAt(spec, ['defaultBackend', 'service']), 'name');
    for (const rule of recordsOf(spec, 'rules')) {
      for (const path of recordsOf(recordAt(rule, ['http']), 'paths')) visit('Service', recordAt(path, ['backend', 'service']), 'name');
    }
    for (const tls of recordsOf(spec, 'tls')) visit('Secret', tls, 'secretName');
  },
  HorizontalPodAutoscaler: (object, visit) => typedRef(recordAt(object, ['spec', 'scaleTargetRef']), visit),
  StatefulSet: (object, visit) => visit('Service', recordAt(object, ['spec']), 'serviceName'),
  ServiceAccount: (object, visit) => {
    for (const secret of recordsOf(object, 'secrets')) visit('Secret', secret, 'name');
    for (const secret of recordsOf(object, 'imagePullSecrets')) visit('Secret', secret, 'name');
  },
  RoleBinding: bindingReferences,
  ClusterRoleBinding: bindingReferences,
  Canary: (object, visit) => {
    const spec = recordAt(object, ['spec']);
    for (const field of ['targetRef', 'autoscalerRef', 'ingressRef']) typedRef(recordAt(spec, [field]), visit);
  },
  ServiceMonitor: (object, visit) => {
    for (const endpoint of recordsOf(recordAt(object, ['spec']), 'endpoints')) visit('Secret', recordAt(endpoint, ['bearerTokenSecret']), 'name');
  },
};

function bindingReferences(object: MutableObject, visit: Visit): void {
  typedRef(recordAt(object, ['roleRef']), visit);
  for (const subject of recordsOf(object, 'subjects')) {
    if (subject.kind === 'ServiceAccount') visit('ServiceAccount', subject, 'name', subject.namespace);
  }
}

/** Every name reference an object holds. @internal */
export function referencesOf(object: MutableObject): NameReference[] {
  const found: NameReference[] = [];
  const own = namespaceOf(object);
  const visit: Visit = (kind, holder, key, namespace) => {
    if (holder === undefined || typeof holder[key] !== 'string') return;
    const target = CLUSTER_SCOPED_KINDS.has(kind) ? '' : typeof namespace === 'string' ? namespace : own;
    found.push({ kind, namespace: target, holder, key });
  };
  const spec = podSpecOf(object);
  if (spec !== undefined) podSpecReferences(spec, visit);
  REFERENCE_RULES[object.kind]?.(object, visit);
  return found;
}

function refKey(kind: string, namespace: string, name: string): string {
  return `${kind}/${namespace}/${name}`;
}

/**
 * Renames objects and rewrites every reference to them inside the set, so that a
 * Deployment mounting ConfigMap `app` mounts `prod-app` once the ConfigMap is renamed.
 * References to objects outside the set (a Secret made by hand) are left alone.
 * `rename` returns the new name, or undefined to keep the object's name.
 * @internal
 */
export function renameObjects(resources: readonly Resource[], rename: (object: MutableObject) => string | undefined): void {
  const renamed = new Map<string, string>();
  const updates: [MutableObject, string][] = [];
  for (const { object } of resources) {
    const name = rename(object);
    if (name === undefined || name === object.metadata.name) continue;
    renamed.set(refKey(object.kind, namespaceOf(object), object.metadata.name), name);
    updates.push([object, name]);
  }
  if (renamed.size === 0) return;
  for (const { object } of resources) {
    for (const ref of referencesOf(object)) {
      const name = renamed.get(refKey(ref.kind, ref.namespace, ref.holder[ref.key] as string));
      if (name !== undefined) ref.holder[ref.key] = name;
    }
  }
  for (const [object, name] of updates) object.metadata.name = name;
}

