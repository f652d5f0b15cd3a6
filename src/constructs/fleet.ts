import type { Construct } from 'constructs';
import { BackendService } from './archetypes/backend-service.ts';
import { DataPipeline } from './archetypes/data-pipeline.ts';
import { FrontendApp } from './archetypes/frontend-app.ts';
import { Cluster, type ComponentBuilder } from './cluster.ts';
import { Environment } from './environment.ts';
import type { Overlay } from './overlays/overlay.ts';
import { TEST_PROFILE } from './testing.ts';

export interface FleetProps {
  /** Objects the fleet compiles to (before overlays add any). */
  readonly objects: number;
  /** @default an environment named after the fleet, from TEST_PROFILE */
  readonly environment?: Environment;
  /** @default 'fleet' */
  readonly name?: string;
  /** Apps are spread over this many namespaces (`fleet-0`, `fleet-1`, ...). @default 10 */
  readonly namespaces?: number;
  /** @default none */
  readonly overlays?: readonly Overlay[];
}

// Objects per app of each archetype with the defaults used below.
const BACKEND_OBJECTS = 7; // ServiceAccount, Deployment, Service, HPA, PDB, NetworkPolicy, ServiceMonitor
const FRONTEND_OBJECTS = 5; // Deployment, Service, Ingress, PDB, NetworkPolicy
const PIPELINE_OBJECTS = 1; // CronJob

/**
 * A synthetic cluster of many apps made from the archetypes (backend services,
 * front ends and pipelines in turn), compiling to exactly `objects` objects: what
 * benchmarks use to compare Strata with stock cdk8s and kustomize at scale.
 * Deterministic: the same props give the same objects.
 */
export function fleet(props: FleetProps): Cluster {
  const name = props.name ?? 'fleet';
  const namespaces = props.namespaces ?? 10;
  const builders: ComponentBuilder[] = [];
  let remaining = props.objects;
  for (let index = 0; remaining > 0; index++) {
    const app = `app-${index}`;
    const namespace = `fleet-${index % namespaces}`;
    const image = `ghcr.io/fleet/${app}:1.0.${index % 7}`;
    const turn = index % 3;
    if (turn === 0 && remaining >= BACKEND_OBJECTS) {
      builders.push((scope: Construct) => new BackendService(scope, app, { namespace, image, metrics: {}, envFrom: [{ configMap: `${app}-config` }] }));
      remaining -= BACKEND_OBJECTS;
    } else if (turn === 1 && remaining >= FRONTEND_OBJECTS) {
      builders.push((scope: Construct, environment) => new FrontendApp(scope, app, { namespace, image, host: environment.host(app), ingressClassName: 'nginx' }));
      remaining -= FRONTEND_OBJECTS;
    } else {
      builders.push((scope: Construct) => new DataPipeline(scope, app, { namespace, image, schedule: `${index % 60} * * * *` }));
      remaining -= PIPELINE_OBJECTS;
    }
  }
  return new Cluster({
    name,
    environment: props.environment ?? Environment.define(TEST_PROFILE, { name, domain: `${name}.example.com` }),
    layers: { apps: builders },
    ...(props.overlays === undefined ? {} : { overlays: props.overlays }),
  });
}
