// The staging cluster: the same composition as production (base/index.ts) with the
// staging profile (half the replicas, no canary) and the overlays below. Compare with
// clusters/production/index.ts: the two differ only in values, never in structure.
import { Cluster, Overlays } from 'strata-gitops';
import { layers, units } from '../../base/index.ts';
import { staging } from './profile.ts';

export default new Cluster({
  environment: staging,
  layers,
  units,
  overlays: [
    Overlays.configMapGenerator({
      name: 'checkout-api-config',
      namespace: 'shop',
      data: { PAYMENT_PROVIDER: 'sandbox', ORDER_TIMEOUT_SECONDS: '30', FEATURE_ONE_CLICK: 'true' },
    }),
    Overlays.labels({ 'strata.dev/environment': 'staging' }),
    Overlays.annotations({ 'strata.dev/owner': 'shop-team' }),
    // Staging has no real sales to report on: keep the CronJob defined (so its spec is
    // tested) but suspended. The callback is typed as a CronJob: `c.spec.suspend` is a boolean.
    Overlays.patch('CronJob', 'nightly-reports', (cronJob) => {
      if (cronJob.spec) cronJob.spec.suspend = true;
    }),
  ],
});
