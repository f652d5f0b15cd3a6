import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { toPeer, type NetworkPeer } from './network-peer.ts';
import { objectLabels, podTemplate, selectorLabels, validateWorkload } from './_pod.ts';
import type { Probes, WorkloadProps } from './workload.ts';

export interface FrontendAppProps extends WorkloadProps {
  /** Public host name, e.g. `environment.host('shop')`. */
  readonly host: string;
  /** @default '/' */
  readonly path?: string;
  /** The container's `http` port. @default 8080 */
  readonly port?: number;
  /** @default 2 */
  readonly replicas?: number;
  /** The IngressClass to use (the environment's `ingressClassName`). */
  readonly ingressClassName: string;
  /**
   * cert-manager ClusterIssuer for the TLS certificate, stored in Secret `<name>-tls`.
   * @default 'letsencrypt'
   */
  readonly certificateIssuer?: string;
  /** @default readiness and liveness on `/` */
  readonly probes?: Probes;
  /**
   * Who may reach the pods: the ingress controller.
   * @default namespace `ingress-nginx`; `false` for no NetworkPolicy
   */
  readonly networkPolicy?: false | { readonly allowFrom: readonly NetworkPeer[] };
  /** @default { maxUnavailable: 1 } when more than one replica */
  readonly disruptionBudget?: false | { readonly maxUnavailable: number | string };
}

/** A web front end: Deployment, Service and an Ingress with TLS (plus PDB and NetworkPolicy). */
export class FrontendApp extends Construct {
  readonly name: string;
  readonly namespace: string;
  readonly deployment: k8s.KubeDeployment;
  readonly service: k8s.KubeService;
  readonly ingress: k8s.KubeIngress;

  constructor(scope: Construct, id: string, props: FrontendAppProps) {
    super(scope, id);
    const name = id;
    this.name = name;
    this.namespace = props.namespace;
    const port = props.port ?? 8080;
    const replicas = props.replicas ?? 2;
    const metadata = { name, namespace: props.namespace, labels: objectLabels(props, { name, component: 'frontend' }) };

    this.node.addValidation({
      validate: () => [
        ...validateWorkload(props),
        ...(replicas < 1 ? [`replicas must be at least 1, got ${replicas}`] : []),
        ...(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/.test(props.host) ? [] : [`host "${props.host}" is not a DNS name`]),
      ],
    });

    this.deployment = new k8s.KubeDeployment(this, 'Deployment', {
      metadata,
      spec: {
        replicas,
        revisionHistoryLimit: 5,
        selector: { matchLabels: selectorLabels(name) },
        strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: k8s.IntOrString.fromNumber(0), maxSurge: k8s.IntOrString.fromString('25%') } },
        template: podTemplate(props, {
          name,
          component: 'frontend',
          ports: { http: port },
          probes: {
            readiness: props.probes?.readiness ?? { path: '/' },
            liveness: props.probes?.liveness ?? { path: '/', failureThreshold: 6 },
            startup: props.probes?.startup,
          },
        }),
      },
    });

    this.service = new k8s.KubeService(this, 'Service', {
      metadata,
      spec: {
        type: 'ClusterIP',
        selector: selectorLabels(name),
        ports: [{ name: 'http', port: 80, targetPort: k8s.IntOrString.fromString('http'), protocol: 'TCP' }],
      },
    });

    this.ingress = new k8s.KubeIngress(this, 'Ingress', {
      metadata: { ...metadata, annotations: { 'cert-manager.io/cluster-issuer': props.certificateIssuer ?? 'letsencrypt' } },
      spec: {
        ingressClassName: props.ingressClassName,
        tls: [{ hosts: [props.host], secretName: `${name}-tls` }],
        rules: [
          {
            host: props.host,
            http: { paths: [{ path: props.path ?? '/', pathType: 'Prefix', backend: { service: { name, port: { name: 'http' } } } }] },
          },
        ],
      },
    });

    if (props.disruptionBudget !== false && replicas > 1) {
      const value = props.disruptionBudget?.maxUnavailable ?? 1;
      new k8s.KubePodDisruptionBudget(this, 'PodDisruptionBudget', {
        metadata,
        spec: {
          selector: { matchLabels: selectorLabels(name) },
          maxUnavailable: typeof value === 'number' ? k8s.IntOrString.fromNumber(value) : k8s.IntOrString.fromString(value),
        },
      });
    }

    if (props.networkPolicy !== false) {
      const allowFrom = props.networkPolicy?.allowFrom ?? [{ namespace: 'ingress-nginx' }];
      new k8s.KubeNetworkPolicy(this, 'NetworkPolicy', {
        metadata,
        spec: {
          podSelector: { matchLabels: selectorLabels(name) },
          policyTypes: ['Ingress'],
          ingress: [{ from: allowFrom.map(toPeer), ports: [{ port: k8s.IntOrString.fromNumber(port), protocol: 'TCP' }] }],
        },
      });
    }
  }
}
