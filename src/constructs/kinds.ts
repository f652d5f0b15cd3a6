import type { k8s } from 'cdk8s-plus-28';
import type { CanaryProps } from './imports/flagger.app.ts';
import type { PrometheusRuleProps, ServiceMonitorProps } from './imports/monitoring.coreos.com.ts';

/**
 * The JSON form of a cdk8s props type: what `toJson()` produces and overlays see.
 * Quantities and int-or-string wrappers (classes holding `value`) become their
 * plain values, generated string enums their string literals; everything becomes
 * mutable, so patches can assign.
 */
export type JsonOf<T> = 0 extends 1 & T
  ? unknown
  : T extends string
    ? `${T}`
    : T extends { readonly value: string | number }
      ? string | number
      : T extends readonly (infer U)[]
        ? JsonOf<U>[]
        : T extends object
          ? { -readonly [K in keyof T]: JsonOf<T[K]> }
          : T;

/** An object of one kind as plain JSON: apiVersion, kind, named metadata, and the rest of its props. */
export type KindObject<Props, ApiVersion extends string, Kind extends string> = {
  apiVersion: ApiVersion;
  kind: Kind;
  metadata: JsonOf<k8s.ObjectMeta> & { name: string };
} & JsonOf<Omit<Props, 'metadata'>>;

/**
 * The kinds a typed patch can select, each with its JSON type (from the cdk8s
 * `k8s` imports of cdk8s-plus-28 and from the imported CRDs).
 */
export interface KindMap {
  ClusterRole: KindObject<k8s.KubeClusterRoleProps, 'rbac.authorization.k8s.io/v1', 'ClusterRole'>;
  ClusterRoleBinding: KindObject<k8s.KubeClusterRoleBindingProps, 'rbac.authorization.k8s.io/v1', 'ClusterRoleBinding'>;
  ConfigMap: KindObject<k8s.KubeConfigMapProps, 'v1', 'ConfigMap'>;
  CronJob: KindObject<k8s.KubeCronJobProps, 'batch/v1', 'CronJob'>;
  DaemonSet: KindObject<k8s.KubeDaemonSetProps, 'apps/v1', 'DaemonSet'>;
  Deployment: KindObject<k8s.KubeDeploymentProps, 'apps/v1', 'Deployment'>;
  HorizontalPodAutoscaler: KindObject<k8s.KubeHorizontalPodAutoscalerV2Props, 'autoscaling/v2', 'HorizontalPodAutoscaler'>;
  Ingress: KindObject<k8s.KubeIngressProps, 'networking.k8s.io/v1', 'Ingress'>;
  IngressClass: KindObject<k8s.KubeIngressClassProps, 'networking.k8s.io/v1', 'IngressClass'>;
  Job: KindObject<k8s.KubeJobProps, 'batch/v1', 'Job'>;
  Namespace: KindObject<k8s.KubeNamespaceProps, 'v1', 'Namespace'>;
  NetworkPolicy: KindObject<k8s.KubeNetworkPolicyProps, 'networking.k8s.io/v1', 'NetworkPolicy'>;
  PersistentVolumeClaim: KindObject<k8s.KubePersistentVolumeClaimProps, 'v1', 'PersistentVolumeClaim'>;
  PodDisruptionBudget: KindObject<k8s.KubePodDisruptionBudgetProps, 'policy/v1', 'PodDisruptionBudget'>;
  Role: KindObject<k8s.KubeRoleProps, 'rbac.authorization.k8s.io/v1', 'Role'>;
  RoleBinding: KindObject<k8s.KubeRoleBindingProps, 'rbac.authorization.k8s.io/v1', 'RoleBinding'>;
  Secret: KindObject<k8s.KubeSecretProps, 'v1', 'Secret'>;
  Service: KindObject<k8s.KubeServiceProps, 'v1', 'Service'>;
  ServiceAccount: KindObject<k8s.KubeServiceAccountProps, 'v1', 'ServiceAccount'>;
  StatefulSet: KindObject<k8s.KubeStatefulSetProps, 'apps/v1', 'StatefulSet'>;
  // Imported CRDs
  Canary: KindObject<CanaryProps, 'flagger.app/v1beta1', 'Canary'>;
  PrometheusRule: KindObject<PrometheusRuleProps, 'monitoring.coreos.com/v1', 'PrometheusRule'>;
  ServiceMonitor: KindObject<ServiceMonitorProps, 'monitoring.coreos.com/v1', 'ServiceMonitor'>;
}

export type KnownKind = keyof KindMap;
