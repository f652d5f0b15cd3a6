/**
 * Reference checks: every name an object uses must resolve against the compiled output of
 * its cluster, or against the names the cluster declares it provides itself (a cloud's
 * StorageClass, a Secret an operator creates at run time). A rule table per kind; each
 * dangling reference is one problem naming both objects, the field and the construct path.
 */
import type { ProvidedObject } from '../constructs/cluster-source.ts';
import { refOf, type KubeObject } from '../manifest/index.ts';
import type { ObjectProblem } from './errors.ts';

/** One object to check, with where it came from. */
export interface ReferenceTarget {
  readonly object: KubeObject;
  readonly source: string;
  readonly file?: string;
}

type Json = Record<string, unknown>;
const rec = (v: unknown): Json | undefined => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Json) : undefined);
const list = (v: unknown): Json[] => (Array.isArray(v) ? v.flatMap((x) => (rec(x) ? [x as Json] : [])) : []);
const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

/** Names every cluster has: Kubernetes creates them itself. */
const BUILT_IN: readonly ProvidedObject[] = [
  { kind: 'ServiceAccount', name: 'default' },
  { kind: 'ConfigMap', name: 'kube-root-ca.crt' },
  { kind: 'PriorityClass', name: 'system-cluster-critical' },
  { kind: 'PriorityClass', name: 'system-node-critical' },
  { kind: 'ClusterRole', name: 'admin' },
  { kind: 'ClusterRole', name: 'edit' },
  { kind: 'ClusterRole', name: 'view' },
  { kind: 'ClusterRole', name: 'cluster-admin' },
];

const CLUSTER_KINDS = new Set(['PriorityClass', 'StorageClass', 'IngressClass', 'ClusterRole', 'Namespace']);

/** Where each workload kind keeps its pod template. */
const POD_TEMPLATES: Readonly<Record<string, readonly string[]>> = {
  Deployment: ['spec', 'template'],
  StatefulSet: ['spec', 'template'],
  DaemonSet: ['spec', 'template'],
  ReplicaSet: ['spec', 'template'],
  Job: ['spec', 'template'],
  CronJob: ['spec', 'jobTemplate', 'spec', 'template'],
};

function at(object: unknown, path: readonly string[]): Json | undefined {
  let current: Json | undefined = rec(object);
  for (const key of path) current = rec(current?.[key]);
  return current;
}

interface Reference {
  readonly field: string;
  readonly kind: string;
  readonly name: string;
}

type Rule = (object: KubeObject) => Reference[];

function podReferences(pod: Json | undefined, prefix: string): Reference[] {
  const spec = rec(pod?.['spec']);
  if (spec === undefined) return [];
  const refs: Reference[] = [];
  const push = (field: string, kind: string, name: unknown) => {
    const n = str(name);
    if (n !== undefined) refs.push({ field: `${prefix}.spec.${field}`, kind, name: n });
  };
  push('priorityClassName', 'PriorityClass', spec['priorityClassName']);
  push('serviceAccountName', 'ServiceAccount', spec['serviceAccountName']);
  list(spec['imagePullSecrets']).forEach((s, i) => push(`imagePullSecrets[${i}].name`, 'Secret', s['name']));
  list(spec['volumes']).forEach((v, i) => {
    const cm = rec(v['configMap']);
    if (cm && cm['optional'] !== true) push(`volumes[${i}].configMap.name`, 'ConfigMap', cm['name']);
    const secret = rec(v['secret']);
    if (secret && secret['optional'] !== true) push(`volumes[${i}].secret.secretName`, 'Secret', secret['secretName']);
    const pvc = rec(v['persistentVolumeClaim']);
    if (pvc) push(`volumes[${i}].persistentVolumeClaim.claimName`, 'PersistentVolumeClaim', pvc['claimName']);
    list(rec(v['projected'])?.['sources']).forEach((s, j) => {
      const pcm = rec(s['configMap']);
      if (pcm && pcm['optional'] !== true) push(`volumes[${i}].projected.sources[${j}].configMap.name`, 'ConfigMap', pcm['name']);
      const ps = rec(s['secret']);
      if (ps && ps['optional'] !== true) push(`volumes[${i}].projected.sources[${j}].secret.name`, 'Secret', ps['name']);
    });
  });
  for (const group of ['initContainers', 'containers']) {
    list(spec[group]).forEach((c, i) => {
      list(c['env']).forEach((e, j) => {
        const from = rec(e['valueFrom']);
        const cm = rec(from?.['configMapKeyRef']);
        if (cm && cm['optional'] !== true) push(`${group}[${i}].env[${j}].valueFrom.configMapKeyRef.name`, 'ConfigMap', cm['name']);
        const secret = rec(from?.['secretKeyRef']);
        if (secret && secret['optional'] !== true) push(`${group}[${i}].env[${j}].valueFrom.secretKeyRef.name`, 'Secret', secret['name']);
      });
      list(c['envFrom']).forEach((e, j) => {
        const cm = rec(e['configMapRef']);
        if (cm && cm['optional'] !== true) push(`${group}[${i}].envFrom[${j}].configMapRef.name`, 'ConfigMap', cm['name']);
        const secret = rec(e['secretRef']);
        if (secret && secret['optional'] !== true) push(`${group}[${i}].envFrom[${j}].secretRef.name`, 'Secret', secret['name']);
      });
    });
  }
  return refs;
}

function targetRef(field: string, ref: unknown): Reference[] {
  const r = rec(ref);
  const kind = str(r?.['kind']);
  const name = str(r?.['name']);
  return kind && name ? [{ field, kind, name }] : [];
}

/** What each kind refers to, by name. */
const RULES: Readonly<Record<string, Rule>> = {
  Pod: (o) => podReferences(o as unknown as Json, ''),
  ...Object.fromEntries(Object.entries(POD_TEMPLATES).map(([kind, path]) => [kind, (o: KubeObject) => podReferences(at(o, path), path.join('.'))])),
  Ingress: (o) => {
    const spec = at(o, ['spec']);
    const refs: Reference[] = [];
    const cls = str(spec?.['ingressClassName']);
    if (cls) refs.push({ field: 'spec.ingressClassName', kind: 'IngressClass', name: cls });
    const backend = (field: string, b: unknown) => {
      const name = str(rec(rec(b)?.['service'])?.['name']);
      if (name) refs.push({ field: `${field}.service.name`, kind: 'Service', name });
    };
    backend('spec.defaultBackend', spec?.['defaultBackend']);
    list(spec?.['rules']).forEach((rule, i) => list(rec(rule['http'])?.['paths']).forEach((p, j) => backend(`spec.rules[${i}].http.paths[${j}].backend`, p['backend'])));
    return refs;
  },
  PersistentVolumeClaim: (o) => {
    const name = str(at(o, ['spec'])?.['storageClassName']);
    return name ? [{ field: 'spec.storageClassName', kind: 'StorageClass', name }] : [];
  },
  RoleBinding: (o) => targetRef('roleRef', (o as unknown as Json)['roleRef']),
  ClusterRoleBinding: (o) => targetRef('roleRef', (o as unknown as Json)['roleRef']),
  HorizontalPodAutoscaler: (o) => targetRef('spec.scaleTargetRef', at(o, ['spec'])?.['scaleTargetRef']),
  Canary: (o) => [...targetRef('spec.targetRef', at(o, ['spec'])?.['targetRef']), ...targetRef('spec.autoscalerRef', at(o, ['spec'])?.['autoscalerRef'])],
};

/** Kinds whose label selector must select at least one pod template of their namespace. */
const SELECTORS: Readonly<Record<string, (o: KubeObject) => Record<string, unknown> | undefined>> = {
  Service: (o) => (at(o, ['spec'])?.['type'] === 'ExternalName' ? undefined : rec(at(o, ['spec'])?.['selector'])),
  PodDisruptionBudget: (o) => rec(at(o, ['spec', 'selector'])?.['matchLabels']),
};

/** Every dangling reference of every object: all problems at once. */
export function checkReferences(targets: readonly ReferenceTarget[], provided: readonly ProvidedObject[] = []): ObjectProblem[] {
  const known = new Set<string>();
  const anyNamespace = new Set<string>();
  const key = (kind: string, namespace: string, name: string) => `${kind}/${CLUSTER_KINDS.has(kind) ? '' : namespace}/${name}`;
  for (const { object } of targets) known.add(key(object.kind, object.metadata.namespace ?? '', object.metadata.name));
  for (const p of [...BUILT_IN, ...provided]) {
    if (p.namespace === undefined && !CLUSTER_KINDS.has(p.kind)) anyNamespace.add(`${p.kind}/${p.name}`);
    else known.add(key(p.kind, p.namespace ?? '', p.name));
  }
  const templates = targets.flatMap(({ object }) => {
    const path = POD_TEMPLATES[object.kind];
    const template = object.kind === 'Pod' ? (object as unknown as Json) : path ? at(object, path) : undefined;
    const labels = rec(rec(template?.['metadata'])?.['labels']);
    return labels ? [{ namespace: object.metadata.namespace ?? '', labels }] : [];
  });
  const problems: ObjectProblem[] = [];
  for (const { object, source, file } of targets) {
    const namespace = object.metadata.namespace ?? '';
    const problem = (field: string, message: string) => problems.push({ source, ref: refOf(object), field, message, ...(file === undefined ? {} : { file }) });
    for (const ref of RULES[object.kind]?.(object) ?? []) {
      if (known.has(key(ref.kind, namespace, ref.name)) || anyNamespace.has(`${ref.kind}/${ref.name}`)) continue;
      const target = CLUSTER_KINDS.has(ref.kind) || namespace === '' ? `${ref.kind}/${ref.name}` : `${ref.kind}/${namespace}/${ref.name}`;
      problem(ref.field, `refers to ${target}, which is neither in the compiled output nor provided by the cluster (declare names the cluster has itself with Cluster \`provides\`)`);
    }
    const selector = SELECTORS[object.kind]?.(object);
    if (selector !== undefined && Object.keys(selector).length > 0) {
      const matches = templates.some((t) => t.namespace === namespace && Object.entries(selector).every(([k, v]) => t.labels[k] === v));
      if (!matches) problem(object.kind === 'Service' ? 'spec.selector' : 'spec.selector.matchLabels', `selects no pod template in namespace ${namespace} (${Object.entries(selector).map(([k, v]) => `${k}=${String(v)}`).join(', ')})`);
    }
  }
  return problems;
}
