// storefront: the public shop, at the apex of the environment's domain.
import type { Construct } from 'constructs';
import { FrontendApp, type Environment } from 'strata-gitops';
import { NAMESPACES } from '../../base/namespaces.ts';

export function storefront(scope: Construct, environment: Environment): FrontendApp {
  const settings = environment.component('storefront');
  return new FrontendApp(scope, 'storefront', {
    namespace: NAMESPACES.shop,
    partOf: 'shop',
    image: environment.image('storefront'),
    host: environment.profile.domain,
    ingressClassName: environment.profile.ingressClassName,
    certificateIssuer: environment.profile.certificateIssuer,
    replicas: settings.replicas(3),
    resources: settings.resources,
    env: { ...settings.env, API_URL: 'http://checkout-api' },
    disruptionBudget: settings.features.podDisruptionBudgets ? { maxUnavailable: 1 } : false,
    networkPolicy: settings.features.networkPolicies ? { allowFrom: [{ namespace: 'ingress-nginx' }] } : false,
  });
}
