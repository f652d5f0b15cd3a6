// The one composition every cluster runs: the base layer (namespaces, cert-manager,
// ingress-nginx, the Prometheus operator, scheduling, Flagger where canaries are on) and
// the apps layer. Clusters differ only through their environment profile and overlays
// (see clusters/<env>/), never by picking other components, so what runs in staging is
// what will run in production.
import type { ComponentBuilder } from 'strata-gitops';
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
