/**
 * `spec.targetNamespace`: moves every namespaced object of a set into one
 * namespace. Whether a kind is namespaced comes from a table of the built-in
 * cluster-scoped kinds and from the CRDs of the same set; any other kind is
 * taken as namespaced.
 */
import { ManifestSet, type KubeObject } from '../manifest/index.ts';

/** Built-in kinds that live outside namespaces, keyed `group/Kind` (core group empty). */
export const CLUSTER_SCOPED_KINDS: ReadonlySet<string> = new Set([
  '/Namespace',
  '/Node',
  '/PersistentVolume',
  '/ComponentStatus',
  'apiextensions.k8s.io/CustomResourceDefinition',
  'apiregistration.k8s.io/APIService',
  'rbac.authorization.k8s.io/ClusterRole',
  'rbac.authorization.k8s.io/ClusterRoleBinding',
  'storage.k8s.io/StorageClass',
  'storage.k8s.io/CSIDriver',
  'storage.k8s.io/CSINode',
  'storage.k8s.io/VolumeAttachment',
  'networking.k8s.io/IngressClass',
  'networking.k8s.io/IPAddress',
  'networking.k8s.io/ServiceCIDR',
  'node.k8s.io/RuntimeClass',
  'scheduling.k8s.io/PriorityClass',
  'admissionregistration.k8s.io/MutatingWebhookConfiguration',
  'admissionregistration.k8s.io/ValidatingWebhookConfiguration',
  'admissionregistration.k8s.io/ValidatingAdmissionPolicy',
  'admissionregistration.k8s.io/ValidatingAdmissionPolicyBinding',
  'certificates.k8s.io/CertificateSigningRequest',
  'flowcontrol.apiserver.k8s.io/FlowSchema',
  'flowcontrol.apiserver.k8s.io/PriorityLevelConfiguration',
]);

export function withTargetNamespace(set: ManifestSet, namespace: string | undefined): ManifestSet {
  if (namespace === undefined || namespace === '') return set;
  const clusterScoped = new Set(CLUSTER_SCOPED_KINDS);
  for (const entry of set.entries) {
    if (entry.ref.kind !== 'CustomResourceDefinition') continue;
    const spec = entry.object.spec as { group?: string; scope?: string; names?: { kind?: string } } | undefined;
    if (spec?.scope === 'Cluster' && spec.group && spec.names?.kind) clusterScoped.add(`${spec.group}/${spec.names.kind}`);
  }
  return ManifestSet.of(
    set.entries.map((entry) => {
      const scoped = clusterScoped.has(`${entry.ref.group}/${entry.ref.kind}`);
      const object: KubeObject = scoped ? entry.object : { ...entry.object, metadata: { ...entry.object.metadata, namespace } };
      return { object, ...(entry.source === undefined ? {} : { source: entry.source }) };
    }),
  );
}
