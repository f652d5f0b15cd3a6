import { isRecord, recordAt, recordsOf, type JsonRecord } from './_json.ts';
import type { MutableObject } from './overlay.ts';

/** Kinds without a namespace: overlays never give them one, and references to them ignore the referrer's. @internal */
export const CLUSTER_SCOPED_KINDS: ReadonlySet<string> = new Set([
  'APIService',
  'ClusterIssuer',
  'ClusterRole',
  'ClusterRoleBinding',
  'CSIDriver',
  'CustomResourceDefinition',
  'IngressClass',
  'MutatingWebhookConfiguration',
  'Namespace',
  'Node',
  'PersistentVolume',
  'PriorityClass',
  'RuntimeClass',
  'StorageClass',
  'ValidatingWebhookConfiguration',
  'VolumeAttachment',
]);

/** @internal */
export function namespaceOf(object: MutableObject): string {
  return CLUSTER_SCOPED_KINDS.has(object.kind) ? '' : (object.metadata.namespace ?? '');
}

/** Where each workload kind keeps its pod template (the spec is `<template>.spec`). A rule table. @internal */
export const POD_TEMPLATE_PATHS: Readonly<Record<string, readonly string[]>> = {
  Deployment: ['spec', 'template'],
  StatefulSet: ['spec', 'template'],
  DaemonSet: ['spec', 'template'],
  ReplicaSet: ['spec', 'template'],
  ReplicationController: ['spec', 'template'],
  Job: ['spec', 'template'],
  CronJob: ['spec', 'jobTemplate', 'spec', 'template'],
};

/** Workload kinds whose `spec.selector` must match their pod template's labels. @internal */
export const SELECTOR_KINDS: ReadonlySet<string> = new Set(['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet']);

/** The pod template of a workload (a Pod is its own template). @internal */
export function podTemplateOf(object: MutableObject): JsonRecord | undefined {
  if (object.kind === 'Pod') return object;
  const path = POD_TEMPLATE_PATHS[object.kind];
  return path === undefined ? undefined : recordAt(object, path);
}

/** @internal */
export function podSpecOf(object: MutableObject): JsonRecord | undefined {
  return recordAt(podTemplateOf(object), ['spec']);
}

/** Every container of a pod spec: init, regular and ephemeral. @internal */
export function containersOf(podSpec: JsonRecord): JsonRecord[] {
  return [...recordsOf(podSpec, 'initContainers'), ...recordsOf(podSpec, 'containers'), ...recordsOf(podSpec, 'ephemeralContainers')];
}

/**
 * Merges `values` into `holder.metadata[field]` (labels or annotations), writing a new
 * map rather than changing the old one, which may be shared with a selector.
 * @internal
 */
export function mergeMetadata(holder: JsonRecord, field: 'labels' | 'annotations', values: Readonly<Record<string, string>>): void {
  const metadata = isRecord(holder.metadata) ? holder.metadata : (holder.metadata = {});
  const current = isRecord(metadata[field]) ? metadata[field] : {};
  metadata[field] = { ...current, ...values };
}
