// Security baseline: every namespace we own, labelled for Pod Security Admission at
// the `restricted` level (the archetypes' defaults satisfy it), team access through
// RBAC, and cert-manager from its upstream chart with the ClusterIssuer the Ingresses
// name (`cert-manager.io/cluster-issuer`). Write access to workloads goes through Git;
// people get to read and restart.
import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { SecureNamespace, TeamAccess, type Environment } from 'strata-gitops';
import { HelmChart } from 'strata-gitops/charts';
import type { CertManagerValues } from '../../charts/types/cert-manager.ts';
import { NAMESPACES } from '../namespaces.ts';

/** The ACME endpoint of each issuer name a profile may choose. */
const ACME_SERVERS: Readonly<Record<string, string>> = {
  letsencrypt: 'https://acme-v02.api.letsencrypt.org/directory',
  'letsencrypt-staging': 'https://acme-staging-v02.api.letsencrypt.org/directory',
};

export function security(scope: Construct, environment: Environment): void {
  const group = new Construct(scope, 'security');
  new SecureNamespace(group, NAMESPACES.shop);
  new SecureNamespace(group, NAMESPACES.data);
  // Monitoring runs exporters that need host access in some clusters: enforce
  // `baseline` there, while audit and warn still report `restricted` violations.
  new SecureNamespace(group, NAMESPACES.monitoring, { enforce: 'baseline' });
  // ingress-nginx binds ports 80 and 443 (NET_BIND_SERVICE): `baseline`.
  new SecureNamespace(group, NAMESPACES.ingress, { enforce: 'baseline' });
  new SecureNamespace(group, NAMESPACES.certManager);

  // Outside production, the shop team may also restart and scale (debugging);
  // in production they read, and changes go through Git.
  const level = environment.name === 'production' ? 'view' : 'deploy';
  new TeamAccess(group, 'shop-team', { namespace: NAMESPACES.shop, group: 'shop-developers', level });
  new TeamAccess(group, 'data-team', { namespace: NAMESPACES.data, group: 'data-engineers', level });

  const monitored = environment.features.serviceMonitors;
  // Beside `group`: the cert-manager namespace above already has that id there.
  new HelmChart<CertManagerValues>(scope, 'cert-manager', {
    chart: 'cert-manager',
    namespace: NAMESPACES.certManager,
    values: {
      // The CRDs come with the chart and are never pruned (the chart marks them `keep`).
      crds: { enabled: true, keep: true },
      // Its post-install hook Job only waits for the webhook; the Sync's health check does that.
      startupapicheck: { enabled: false },
      // Its leader-election Leases in its own namespace rather than kube-system.
      global: { leaderElection: { namespace: NAMESPACES.certManager } },
      prometheus: { servicemonitor: { enabled: monitored } },
    },
  });

  const issuer = environment.profile.certificateIssuer;
  const server = ACME_SERVERS[issuer];
  if (server === undefined) throw new Error(`profile ${environment.name}: certificateIssuer ${JSON.stringify(issuer)} is none of ${Object.keys(ACME_SERVERS).join(', ')}`);
  new ApiObject(group, 'cluster-issuer', {
    apiVersion: 'cert-manager.io/v1',
    kind: 'ClusterIssuer',
    metadata: { name: issuer },
    spec: {
      acme: {
        server,
        email: `platform@${environment.profile.domain}`,
        privateKeySecretRef: { name: `${issuer}-account-key` },
        solvers: [{ http01: { ingress: { ingressClassName: environment.profile.ingressClassName } } }],
      },
    },
  });
}
