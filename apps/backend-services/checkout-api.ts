// checkout-api: takes orders. It is the example of a service under progressive
// delivery: where the environment turns `canary` on (production), Flagger shifts
// traffic to a new version step by step and rolls back on errors or latency.
import type { Construct } from 'constructs';
import { BackendService, type Environment } from 'strata-gitops';
import { NAMESPACES } from '../../base/namespaces.ts';

export function checkoutApi(scope: Construct, environment: Environment): BackendService {
  const settings = environment.component('checkout-api');
  const replicas = settings.replicas(3);
  return new BackendService(scope, 'checkout-api', {
    namespace: NAMESPACES.shop,
    partOf: 'shop',
    image: environment.image('checkout-api'),
    port: 8080,
    replicas,
    resources: settings.resources,
    env: { ...settings.env, CATALOG_URL: 'http://catalog-api' },
    // Settings come from a generated ConfigMap (see the cluster's overlays): its name
    // carries a hash of its content, so changing a setting rolls the Deployment.
    envFrom: [{ configMap: 'checkout-api-config' }],
    autoscaling: settings.features.autoscaling ? { maxReplicas: settings.maxReplicas(replicas) } : false,
    disruptionBudget: settings.features.podDisruptionBudgets ? { maxUnavailable: 1 } : false,
    // Admit the storefront and Prometheus; reach the payment provider outside the cluster.
    networkPolicy: settings.features.networkPolicies
      ? { allowFrom: [{ app: 'storefront' }, { namespace: NAMESPACES.monitoring }], allowEgressTo: [{ cidr: '0.0.0.0/0' }] }
      : false,
    metrics: settings.features.serviceMonitors ? { path: '/metrics' } : false,
    // Production migrates its orders database before a new version rolls (a pre-apply hook:
    // if the migration fails, nothing of the revision is applied).
    migration: environment.name === 'production' ? { command: ['/app/checkout-api', 'migrate', 'up'] } : false,
    canary: settings.features.canary ? { maxWeight: 50, stepWeight: 10, minSuccessRate: 99.5, maxRequestDurationMs: 300 } : false,
  });
}
