// Progressive delivery: Flagger from its upstream chart, in clusters with the `canary`
// feature (production), where BackendService archetypes get a Canary. Flagger shifts
// traffic through the service mesh (Linkerd, the `provider` the Canaries name) and judges
// each step by Prometheus queries: the chart's own small Prometheus serves them.
import type { Construct } from 'constructs';
import type { Environment } from 'strata-gitops';
import { SecureNamespace } from 'strata-gitops';
import { HelmChart } from 'strata-gitops/charts';
import type { FlaggerValues } from '../../charts/types/flagger.ts';
import { NAMESPACES } from '../namespaces.ts';

export function delivery(scope: Construct, environment: Environment): void {
  if (!environment.features.canary) return;
  // Flagger's and its Prometheus's pods do not meet `restricted` (no seccomp profile, capabilities
  // kept): `baseline`, audit and warn still `restricted`.
  new SecureNamespace(scope, NAMESPACES.flagger, { enforce: 'baseline' });
  new HelmChart<FlaggerValues>(scope, 'flagger', {
    chart: 'flagger',
    namespace: NAMESPACES.flagger,
    values: {
      meshProvider: 'linkerd',
      prometheus: { install: true },
      // The chart's default limit `cpu: 1000m` comes back from the API server as `1`: written
      // the way the server keeps it, so the live object matches Git (no endless drift).
      resources: { requests: { cpu: '10m', memory: '32Mi' }, limits: { cpu: '1', memory: '512Mi' } },
    },
  });
}
