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
  new SecureNamespace(scope, NAMESPACES.flagger);
  new HelmChart<FlaggerValues>(scope, 'flagger', {
    chart: 'flagger',
    namespace: NAMESPACES.flagger,
    values: {
      meshProvider: 'linkerd',
      prometheus: { install: true },
      resources: { requests: { cpu: '10m', memory: '32Mi' } },
    },
  });
}
