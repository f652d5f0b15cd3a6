// Monitoring baseline: alerts every workload gets, and scraping of the ingress
// controller. Per-service ServiceMonitors come from the BackendService archetype.
import { Construct } from 'constructs';
import { AlertRules, ScrapeTarget, type Environment } from 'strata-gitops';
import { NAMESPACES, WORKLOAD_NAMESPACES } from '../namespaces.ts';

export function monitoring(scope: Construct, environment: Environment): void {
  if (!environment.features.serviceMonitors) return;
  const group = new Construct(scope, 'monitoring');
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
