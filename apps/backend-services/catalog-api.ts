// catalog-api: serves the product catalogue. A read-heavy service: more replicas,
// a separate metrics port, and a startup probe because it warms a cache first.
import type { Construct } from 'constructs';
import { BackendService, type Environment } from 'strata-gitops';
import { NAMESPACES } from '../../base/namespaces.ts';

export function catalogApi(scope: Construct, environment: Environment): BackendService {
  const settings = environment.component('catalog-api');
  const replicas = settings.replicas(4);
  return new BackendService(scope, 'catalog-api', {
    namespace: NAMESPACES.shop,
    partOf: 'shop',
    image: environment.image('catalog-api'),
    port: 8080,
    replicas,
    resources: settings.resources,
    env: settings.env,
    probes: { startup: { path: '/healthz/started', periodSeconds: 5, failureThreshold: 60 } },
    autoscaling: settings.features.autoscaling ? { maxReplicas: settings.maxReplicas(replicas), targetCpuUtilization: 60 } : false,
    disruptionBudget: settings.features.podDisruptionBudgets ? { minAvailable: '50%' } : false,
    networkPolicy: settings.features.networkPolicies
      ? { allowFrom: [{ app: 'checkout-api' }, { app: 'storefront' }, { app: 'admin-console' }, { namespace: NAMESPACES.data }, { namespace: NAMESPACES.monitoring }] }
      : false,
    metrics: settings.features.serviceMonitors ? { port: 9090 } : false,
  });
}
