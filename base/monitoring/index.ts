// Monitoring baseline: the Prometheus operator with its CRDs (from the upstream
// kube-prometheus-stack chart, every other component of the stack off: the clusters'
// Prometheus and Grafana are the platform team's business, not this example's), alerts
// every workload gets, and scraping of the ingress controller. Per-service
// ServiceMonitors come from the BackendService archetype. Clusters without the
// `serviceMonitors` feature (development) run none of it.
import { Construct } from 'constructs';
import { AlertRules, ScrapeTarget, type Environment } from 'strata-gitops';
import { HelmChart } from 'strata-gitops/charts';
import type { KubePrometheusStackValues } from '../../charts/types/kube-prometheus-stack.ts';
import { NAMESPACES, WORKLOAD_NAMESPACES } from '../namespaces.ts';

/** Components of kube-prometheus-stack the example leaves out (each `enabled: false`). */
const LEFT_OUT = [
  'alertmanager', 'grafana', 'prometheus', 'thanosRuler', 'kubeStateMetrics', 'nodeExporter', 'windowsMonitoring',
  'kubeApiServer', 'kubelet', 'kubeControllerManager', 'coreDns', 'kubeDns', 'kubeEtcd', 'kubeScheduler', 'kubeProxy',
] as const;

export function monitoring(scope: Construct, environment: Environment): void {
  if (!environment.features.serviceMonitors) return;
  const group = new Construct(scope, 'monitoring');
  new HelmChart<KubePrometheusStackValues>(group, 'prometheus-operator', {
    chart: 'kube-prometheus-stack',
    releaseName: 'kube-prometheus-stack',
    namespace: NAMESPACES.monitoring,
    values: {
      ...Object.fromEntries(LEFT_OUT.map((component) => [component, { enabled: false }])),
      defaultRules: { create: false },
      crds: { enabled: true },
      prometheusOperator: {
        // Its admission webhook checks PrometheusRules before they are stored (the operator
        // checks them again when it loads them). It needs a certificate Job at install time
        // and something answering, which a cluster without pod networking (the kwok test
        // cluster) does not have: see docs/charts.md.
        admissionWebhooks: { enabled: false },
        tls: { enabled: false },
        resources: { requests: { cpu: '100m', memory: '128Mi' } },
      },
    },
  });
  const namespaces = WORKLOAD_NAMESPACES.join('|');
  // Production pages; elsewhere the same alerts only warn.
  const severity = environment.name === 'production' ? 'critical' : 'warning';
  new AlertRules(group, 'workload-alerts', {
    namespace: NAMESPACES.monitoring,
    alerts: [
      {
        alert: 'PodCrashLooping',
        expr: `increase(kube_pod_container_status_restarts_total{namespace=~"${namespaces}"}[15m]) > 3`,
        severity,
        summary: 'Pod {{ $labels.namespace }}/{{ $labels.pod }} restarts repeatedly',
      },
      {
        alert: 'DeploymentReplicasMismatch',
        expr: `kube_deployment_spec_replicas{namespace=~"${namespaces}"} != kube_deployment_status_replicas_available{namespace=~"${namespaces}"}`,
        for: '15m',
        severity,
        summary: 'Deployment {{ $labels.namespace }}/{{ $labels.deployment }} runs fewer replicas than wanted',
      },
      {
        alert: 'JobFailed',
        expr: `kube_job_status_failed{namespace=~"${namespaces}"} > 0`,
        for: '0m',
        severity: 'warning',
        summary: 'Job {{ $labels.namespace }}/{{ $labels.job_name }} failed',
      },
    ],
  });
  new ScrapeTarget(group, 'ingress-nginx', {
    namespace: NAMESPACES.monitoring,
    namespaces: ['ingress-nginx'],
    selector: { 'app.kubernetes.io/name': 'ingress-nginx' },
  });
}
