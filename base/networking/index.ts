// Network baseline: default-deny in every workload namespace (apps open exactly what
// they serve through the archetypes' own NetworkPolicies) and the IngressClass the
// front ends use.
import type { Construct } from 'constructs';
import { NetworkBaseline, type Environment } from 'strata-gitops';
import { WORKLOAD_NAMESPACES } from '../namespaces.ts';

export function networking(scope: Construct, environment: Environment): void {
  new NetworkBaseline(scope, 'networking', {
    namespaces: environment.features.networkPolicies ? WORKLOAD_NAMESPACES : [],
    ingressClass: { name: environment.profile.ingressClassName, isDefault: true },
  });
}
