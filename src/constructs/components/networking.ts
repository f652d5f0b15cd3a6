import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';

export interface NetworkBaselineProps {
  /** Namespaces that get the baseline policies. */
  readonly namespaces: readonly string[];
  /**
   * The IngressClass to define (cluster-scoped).
   * @default none
   */
  readonly ingressClass?: {
    readonly name: string;
    /** @default 'k8s.io/ingress-nginx' */
    readonly controller?: string;
    /** Mark it the cluster's default class. @default false */
    readonly isDefault?: boolean;
  };
}

/**
 * Zero trust inside the cluster: each namespace denies all ingress and egress by
 * default, then allows DNS lookups and traffic between its own pods. Apps open what
 * they need with their own NetworkPolicy (the archetypes do it for you).
 */
export class NetworkBaseline extends Construct {
  constructor(scope: Construct, id: string, props: NetworkBaselineProps) {
    super(scope, id);
    for (const namespace of props.namespaces) {
      const scopeOf = new Construct(this, namespace);
      new k8s.KubeNetworkPolicy(scopeOf, 'DefaultDeny', {
        metadata: { name: 'default-deny', namespace },
        spec: { podSelector: {}, policyTypes: ['Ingress', 'Egress'] },
      });
      new k8s.KubeNetworkPolicy(scopeOf, 'AllowDns', {
        metadata: { name: 'allow-dns', namespace },
        spec: {
          podSelector: {},
          policyTypes: ['Egress'],
          egress: [
            {
              to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } }, podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } } }],
              ports: [
                { port: k8s.IntOrString.fromNumber(53), protocol: 'UDP' },
                { port: k8s.IntOrString.fromNumber(53), protocol: 'TCP' },
              ],
            },
          ],
        },
      });
      new k8s.KubeNetworkPolicy(scopeOf, 'AllowSameNamespace', {
        metadata: { name: 'allow-same-namespace-egress', namespace },
        spec: { podSelector: {}, policyTypes: ['Egress'], egress: [{ to: [{ podSelector: {} }] }] },
      });
    }
    if (props.ingressClass !== undefined) {
      const ingressClass = props.ingressClass;
      new k8s.KubeIngressClass(this, 'IngressClass', {
        metadata: {
          name: ingressClass.name,
          annotations: ingressClass.isDefault ? { 'ingressclass.kubernetes.io/is-default-class': 'true' } : undefined,
        },
        spec: { controller: ingressClass.controller ?? 'k8s.io/ingress-nginx' },
      });
    }
  }
}
