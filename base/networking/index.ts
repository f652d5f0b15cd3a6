// Network baseline: default-deny in every workload namespace (apps open exactly what
// they serve through the archetypes' own NetworkPolicies), and the ingress controller
// the front ends use: ingress-nginx from its upstream chart (charts/lock.json pins it),
// which also defines the cluster's default IngressClass.
import type { Construct } from 'constructs';
import { NetworkBaseline, type Environment } from 'strata-gitops';
import { HelmChart } from 'strata-gitops/charts';
import type { IngressNginxValues } from '../../charts/types/ingress-nginx.ts';
import { NAMESPACES, WORKLOAD_NAMESPACES } from '../namespaces.ts';

export function networking(scope: Construct, environment: Environment): void {
  new NetworkBaseline(scope, 'networking', {
    namespaces: environment.features.networkPolicies ? WORKLOAD_NAMESPACES : [],
  });
  new HelmChart<IngressNginxValues>(scope, 'ingress-nginx', {
    chart: 'ingress-nginx',
    namespace: NAMESPACES.ingress,
    values: {
      controller: {
        replicaCount: environment.component('ingress-nginx').replicas(2),
        ingressClassResource: { name: environment.profile.ingressClassName, default: true },
        // The admission webhook (failurePolicy Fail) checks each Ingress's generated nginx
        // configuration. The example allows no configuration snippets (the chart's default),
        // so it does without, and a cluster whose webhooks nothing answers (the kwok test
        // cluster) can still apply Ingresses. See docs/charts.md.
        admissionWebhooks: { enabled: false },
        // The ScrapeTarget in base/monitoring scrapes this Service.
        metrics: { enabled: environment.features.serviceMonitors },
        resources: { requests: { cpu: '100m', memory: '128Mi' } },
      },
    },
  });
}
