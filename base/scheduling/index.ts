// Scheduling baseline: the PriorityClass the production overlay gives checkout-api, so the
// scheduler evicts it last under node pressure. Defined in every cluster (a name that
// resolves everywhere; `strata validate` checks that each priorityClassName does).
import { k8s } from 'cdk8s-plus-28';
import type { Construct } from 'constructs';
import type { Environment } from 'strata-gitops';

export const BUSINESS_CRITICAL = 'business-critical';

export function scheduling(scope: Construct, _environment: Environment): void {
  new k8s.KubePriorityClass(scope, 'business-critical', {
    metadata: { name: BUSINESS_CRITICAL },
    value: 100_000,
    globalDefault: false,
    preemptionPolicy: 'PreemptLowerPriority',
    description: 'Revenue-critical services (checkout): scheduled first, evicted last.',
  });
}
