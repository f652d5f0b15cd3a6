// The production cluster: the shared composition (base/index.ts) with the production
// profile (full replicas, medium resources, Flagger canaries) and the overlays below.
import { Cluster, Overlays } from 'strata-gitops';
import { layers, units } from '../../base/index.ts';
import { BUSINESS_CRITICAL } from '../../base/scheduling/index.ts';
import { production } from './profile.ts';

export default new Cluster({
  environment: production,
  layers,
  units,
  overlays: [
    Overlays.configMapGenerator({
      name: 'checkout-api-config',
      namespace: 'shop',
      data: { PAYMENT_PROVIDER: 'live', ORDER_TIMEOUT_SECONDS: '20', FEATURE_ONE_CLICK: 'false' },
    }),
    Overlays.labels({ 'strata.dev/environment': 'production' }),
    Overlays.annotations({ 'strata.dev/owner': 'shop-team', 'strata.dev/on-call': 'shop-oncall' }),
    // The storefront has no autoscaler: hold extra capacity for the sale season.
    Overlays.replicas([{ name: 'storefront', count: 6 }]),
    // Checkout is the last pod to be evicted under node pressure.
    Overlays.patch('Deployment', 'checkout-api', (deployment) => {
      const pod = deployment.spec?.template.spec;
      if (pod) pod.priorityClassName = BUSINESS_CRITICAL;
    }),
  ],
});
