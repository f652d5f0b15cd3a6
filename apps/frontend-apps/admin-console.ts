// admin-console: the back office, on its own host. One replica is enough for a
// handful of staff, so it has no disruption budget (a budget on one pod blocks node drains).
import type { Construct } from 'constructs';
import { FrontendApp, type Environment } from 'strata-gitops';
import { NAMESPACES } from '../../base/namespaces.ts';

export function adminConsole(scope: Construct, environment: Environment): FrontendApp {
  const settings = environment.component('admin-console');
  return new FrontendApp(scope, 'admin-console', {
    namespace: NAMESPACES.shop,
    partOf: 'shop',
    image: environment.image('admin-console'),
    host: environment.host('admin'),
    path: '/',
    ingressClassName: environment.profile.ingressClassName,
    certificateIssuer: environment.profile.certificateIssuer,
    replicas: settings.replicas(1),
    resources: settings.resources,
    env: settings.env,
    probes: { readiness: { path: '/health' }, liveness: { path: '/health', failureThreshold: 6 } },
    disruptionBudget: false,
    networkPolicy: settings.features.networkPolicies ? { allowFrom: [{ namespace: 'ingress-nginx' }] } : false,
  });
}
