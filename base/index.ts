// The one composition every cluster runs: the base layer (namespaces, cert-manager,
// ingress-nginx, the Prometheus operator, scheduling, Flagger where canaries are on) and
// the apps layer. Clusters differ only through their environment profile and overlays
// (see clusters/<env>/), never by picking other components, so what runs in staging is
// what will run in production.
import type { ComponentBuilder, UnitProps } from 'strata-gitops';
import { backendServices } from '../apps/backend-services/index.ts';
import { dataPipelines } from '../apps/data-pipelines/index.ts';
import { frontendApps } from '../apps/frontend-apps/index.ts';
import { delivery } from './delivery/index.ts';
import { monitoring } from './monitoring/index.ts';
import { networking } from './networking/index.ts';
import { scheduling } from './scheduling/index.ts';
import { security } from './security/index.ts';

export const layers: Readonly<Record<string, readonly ComponentBuilder[]>> = {
  base: [security, networking, monitoring, scheduling, delivery],
  apps: [...backendServices, ...frontendApps, ...dataPipelines],
};

/**
 * Every cluster is applied in two units, like Flux's canonical split: `infrastructure` (the base
 * layer: namespaces, CRDs, PriorityClasses, network and RBAC policies, monitoring rules, and the
 * operators of the charts) and `apps`, which its Sync applies only once infrastructure is Ready
 * at the same revision: its CRDs, namespaces and webhooks exist. Infrastructure does not `wait`
 * for its operators' health yet: on the test cluster the ClusterIssuer never turns Ready (its
 * status is written through cert-manager's own webhook, and kwok runs no webhook Pod; see
 * docs/bootstrap-and-recovery.md). Objects an overlay generates (their construct path is
 * `<cluster>/overlays/…`, such as production's checkout-api-config) serve the apps.
 */
export const units: readonly UnitProps[] = [
  { name: 'infrastructure', layers: ['base'], wait: false },
  { name: 'apps', layers: ['apps'], dependsOn: ['infrastructure'], select: (_object, source) => source.includes('/overlays/') },
];
