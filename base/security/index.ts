// Security baseline: every namespace we own, labelled for Pod Security Admission at
// the `restricted` level (the archetypes' defaults satisfy it), and team access through
// RBAC. Write access to workloads goes through Git; people get to read and restart.
import { Construct } from 'constructs';
import { SecureNamespace, TeamAccess, type Environment } from 'strata-gitops';
import { NAMESPACES } from '../namespaces.ts';

export function security(scope: Construct, environment: Environment): void {
  const group = new Construct(scope, 'security');
  new SecureNamespace(group, NAMESPACES.shop);
  new SecureNamespace(group, NAMESPACES.data);
  // Monitoring runs exporters that need host access in some clusters: enforce
  // `baseline` there, while audit and warn still report `restricted` violations.
  new SecureNamespace(group, NAMESPACES.monitoring, { enforce: 'baseline' });

  // Outside production, the shop team may also restart and scale (debugging);
  // in production they read, and changes go through Git.
  const level = environment.name === 'production' ? 'view' : 'deploy';
  new TeamAccess(group, 'shop-team', { namespace: NAMESPACES.shop, group: 'shop-developers', level });
  new TeamAccess(group, 'data-team', { namespace: NAMESPACES.data, group: 'data-engineers', level });
}
