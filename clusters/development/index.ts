// The development cluster: the shared composition (base/index.ts) built with the
// development profile (one small replica of everything), then adapted by overlays.
import { Cluster, Overlays } from 'strata-gitops';
import { layers, units } from '../../base/index.ts';
import { development } from './profile.ts';

export default new Cluster({
  environment: development,
  layers,
  units,
  overlays: [
    // checkout-api reads its settings from this ConfigMap. Its name gets a hash of the
    // content, and the Deployment's envFrom follows it: edit a value, the pods roll.
    Overlays.configMapGenerator({
      name: 'checkout-api-config',
      namespace: 'shop',
      data: { PAYMENT_PROVIDER: 'fake', ORDER_TIMEOUT_SECONDS: '30', FEATURE_ONE_CLICK: 'true' },
    }),
    // Metadata only: selectors and pod templates stay as they are.
    Overlays.labels({ 'strata.dev/environment': 'development' }),
    // The escape hatch, for what no typed overlay covers: the admin console is reachable
    // from the office network only (`~1` is how a JSON pointer spells `/`).
    Overlays.jsonPatch({ kind: 'Ingress', name: 'admin-console', namespace: 'shop' }, [
      { op: 'add', path: '/metadata/annotations/nginx.ingress.kubernetes.io~1whitelist-source-range', value: '10.0.0.0/8' },
    ]),
  ],
});
