import type { ObjectRef } from './identity.ts';

/**
 * The order objects are applied in; deletion walks it in reverse. Cluster-wide
 * definitions come first so that what depends on them can be admitted, workloads
 * come after what they mount, and webhooks come last so they cannot block the
 * objects they would admit (Flux and Helm use the same shape).
 */
export const KIND_ORDER: readonly string[] = [
  'CustomResourceDefinition',
  'Namespace',
  'ResourceQuota',
  'LimitRange',
  'PodSecurityPolicy',
  'PodDisruptionBudget',
  'ServiceAccount',
  'Secret',
  'SecretList',
  'ConfigMap',
  'StorageClass',
  'PersistentVolume',
  'PersistentVolumeClaim',
  'ClusterRole',
  'ClusterRoleList',
  'ClusterRoleBinding',
  'ClusterRoleBindingList',
  'Role',
  'RoleList',
  'RoleBinding',
  'RoleBindingList',
  'IngressClass',
  'PriorityClass',
  'RuntimeClass',
  'Service',
  'DaemonSet',
  'Pod',
  'ReplicationController',
  'ReplicaSet',
  'Deployment',
  'HorizontalPodAutoscaler',
  'StatefulSet',
  'Job',
  'CronJob',
  'Ingress',
  'APIService',
];

/** Kinds applied after everything else, in this order. */
export const KIND_ORDER_LAST: readonly string[] = ['ValidatingWebhookConfiguration', 'MutatingWebhookConfiguration'];

const rank = new Map<string, number>([
  ...KIND_ORDER.map((kind, index): [string, number] => [kind, index]),
  ...KIND_ORDER_LAST.map((kind, index): [string, number] => [kind, KIND_ORDER.length + 1 + index]),
]);
const UNKNOWN_RANK = KIND_ORDER.length;

export function kindRank(kind: string): number {
  return rank.get(kind) ?? UNKNOWN_RANK;
}

/** Apply order: kind rank, then namespace, then name, then group (so the order is total). */
export function compareApplyOrder(a: ObjectRef, b: ObjectRef): number {
  return (
    kindRank(a.kind) - kindRank(b.kind) ||
    compareStrings(a.kind, b.kind) ||
    compareStrings(a.namespace, b.namespace) ||
    compareStrings(a.name, b.name) ||
    compareStrings(a.group, b.group)
  );
}

/** Byte order, independent of locale, so output is the same on every machine and runtime. */
export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Apply stages: cluster-wide definitions that others need to be admitted
 * (CRDs must be Established before their objects), then classes, then the rest.
 */
export type ApplyStage = 'definitions' | 'classes' | 'resources';

export const APPLY_STAGES: readonly ApplyStage[] = ['definitions', 'classes', 'resources'];

const DEFINITION_KINDS = new Set(['CustomResourceDefinition', 'Namespace', 'ClusterRole', 'ClusterRoleBinding']);

export function stageOf(ref: ObjectRef): ApplyStage {
  if (DEFINITION_KINDS.has(ref.kind)) return 'definitions';
  if (ref.kind.endsWith('Class')) return 'classes';
  return 'resources';
}
