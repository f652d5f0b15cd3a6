import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { HOOK_ANNOTATION, IGNORE_FIELDS_ANNOTATION } from '../../api/index.ts';
import { Canary, CanarySpecAutoscalerRefKind, CanarySpecServiceTargetPort, CanarySpecTargetRefKind } from '../imports/flagger.app.ts';
import { ServiceMonitor } from '../imports/monitoring.coreos.com.ts';
import { toPeer, type NetworkPeer } from './network-peer.ts';
import { objectLabels, podTemplate, selectorLabels, validateWorkload, type PodOptions } from './_pod.ts';
import { LABEL_NAME, type Probes, type WorkloadProps } from './workload.ts';

export interface AutoscalingOptions {
  /** @default twice the replicas */
  readonly maxReplicas?: number;
  /** @default 70 */
  readonly targetCpuUtilization?: number;
}

export interface MetricsOptions {
  /** A separate metrics port; @default the `http` port */
  readonly port?: number;
  /** @default '/metrics' */
  readonly path?: string;
  /** @default '30s' */
  readonly interval?: string;
}

/** Progressive delivery with Flagger: traffic moves to the new version step by step while metrics stay healthy. */
export interface CanaryOptions {
  /** Flagger's mesh or ingress provider. @default 'linkerd' */
  readonly provider?: string;
  /** @default '1m' */
  readonly interval?: string;
  /** Failed checks before rollback. @default 5 */
  readonly threshold?: number;
  /** @default 50 */
  readonly maxWeight?: number;
  /** @default 10 */
  readonly stepWeight?: number;
  /** Minimum request success rate, percent. @default 99 */
  readonly minSuccessRate?: number;
  /** Maximum request duration (p99), milliseconds. @default 500 */
  readonly maxRequestDurationMs?: number;
  /** @default 600 */
  readonly progressDeadlineSeconds?: number;
}

/**
 * A schema migration run before every new revision rolls the service: a Job `<name>-migrate`
 * of the service's image, environment and ServiceAccount, annotated `strata.dev/hook: pre-apply`.
 * The agent runs it to completion before it applies anything else of the revision; if it fails,
 * nothing of the revision is applied (docs/engine.md#hooks).
 */
export interface MigrationOptions {
  /** The migration's command, e.g. `['/app/migrate', 'up']`. */
  readonly command: readonly string[];
  /** @default none */
  readonly args?: readonly string[];
  /** Retries before the Job, and the revision with it, fails. @default 0 */
  readonly backoffLimit?: number;
  /** @default 600 */
  readonly activeDeadlineSeconds?: number;
}

export interface BackendServiceProps extends WorkloadProps {
  /** The container's `http` port; the Service exposes it on port 80. @default 8080 */
  readonly port?: number;
  /** Replicas, or the autoscaler's minimum when autoscaling is on. @default 2 */
  readonly replicas?: number;
  /**
   * A HorizontalPodAutoscaler on CPU. With it the Deployment leaves `replicas` unset,
   * so applying the manifests never fights the autoscaler.
   * @default on, up to twice the replicas at 70% CPU
   */
  readonly autoscaling?: false | AutoscalingOptions;
  /**
   * PodDisruptionBudget; created only when more than one replica runs.
   * @default { maxUnavailable: 1 }
   */
  readonly disruptionBudget?: false | { readonly maxUnavailable: number | string } | { readonly minAvailable: number | string };
  /** @default readiness `/healthz/ready`, liveness `/healthz/live` on the `http` port */
  readonly probes?: Probes;
  /**
   * A NetworkPolicy admitting traffic to the service's ports from these peers only
   * (the namespace is default-deny), and egress to `allowEgressTo` beyond what the
   * baseline allows (DNS, the own namespace). `false` to leave it out.
   * @default pods of the same namespace
   */
  readonly networkPolicy?: false | { readonly allowFrom: readonly NetworkPeer[]; readonly allowEgressTo?: readonly NetworkPeer[] };
  /** A ServiceMonitor scraping the service. @default none */
  readonly metrics?: false | MetricsOptions;
  /**
   * A Flagger Canary for the Deployment. Flagger then owns the Services
   * (`<name>`, `<name>-primary`, `<name>-canary`), so none is created here; and it scales the
   * Deployment to zero, so without autoscaling the Deployment carries
   * `strata.dev/ignore-fields: /spec/replicas` (Git's replicas on creation only).
   * @default none
   */
  readonly canary?: false | CanaryOptions;
  /** A ServiceAccount named after the service for its pods. @default true */
  readonly serviceAccount?: boolean;
  /** A migration Job run as a pre-apply hook before each new revision. @default none */
  readonly migration?: false | MigrationOptions;
}

/**
 * An HTTP service inside the cluster: Deployment, Service, HorizontalPodAutoscaler,
 * PodDisruptionBudget and NetworkPolicy, plus an optional ServiceMonitor and Flagger Canary.
 */
export class BackendService extends Construct {
  readonly name: string;
  readonly namespace: string;
  readonly deployment: k8s.KubeDeployment;
  readonly service?: k8s.KubeService;
  readonly autoscaler?: k8s.KubeHorizontalPodAutoscalerV2;
  readonly canary?: Canary;
  readonly migration?: k8s.KubeJob;

  constructor(scope: Construct, id: string, props: BackendServiceProps) {
    super(scope, id);
    this.name = id;
    this.namespace = props.namespace;
    const name = id;
    const namespace = props.namespace;
    const port = props.port ?? 8080;
    const replicas = props.replicas ?? 2;
    const canary = props.canary === undefined || props.canary === false ? undefined : props.canary;
    const metrics = props.metrics === undefined || props.metrics === false ? undefined : props.metrics;
    const autoscaling = props.autoscaling === false ? undefined : (props.autoscaling ?? {});
    const maxReplicas = autoscaling?.maxReplicas ?? replicas * 2;
    const labels = objectLabels(props, { name, component: 'backend' });
    const metadata = { name, namespace, labels };
    const ports: Record<string, number> = { http: port, ...(metrics?.port === undefined ? {} : { metrics: metrics.port }) };

    this.node.addValidation({
      validate: () => [
        ...validateWorkload(props),
        ...(replicas < 1 ? [`replicas must be at least 1, got ${replicas}`] : []),
        ...(autoscaling && maxReplicas < replicas ? [`autoscaling.maxReplicas (${maxReplicas}) is below replicas (${replicas})`] : []),
        ...(port < 1 || port > 65535 ? [`port ${port} is outside 1-65535`] : []),
      ],
    });

    const serviceAccountName = props.serviceAccount === false ? undefined : name;
    if (serviceAccountName !== undefined) {
      new k8s.KubeServiceAccount(this, 'ServiceAccount', { metadata, automountServiceAccountToken: false });
    }

    const options: PodOptions = {
      name,
      component: 'backend',
      ports,
      serviceAccountName,
      probes: {
        readiness: props.probes?.readiness ?? { path: '/healthz/ready' },
        liveness: props.probes?.liveness ?? { path: '/healthz/live', failureThreshold: 6 },
        startup: props.probes?.startup,
      },
    };
    this.deployment = new k8s.KubeDeployment(this, 'Deployment', {
      // Flagger scales the target to zero once the primary serves; without an HPA (which already
      // leaves replicas unset) Git's replicas would be re-applied over it.
      metadata: canary && !autoscaling ? { ...metadata, annotations: { [IGNORE_FIELDS_ANNOTATION]: '/spec/replicas' } } : metadata,
      spec: {
        replicas: autoscaling ? undefined : replicas,
        revisionHistoryLimit: 5,
        selector: { matchLabels: selectorLabels(name) },
        // Never drop below the wanted capacity during a rollout.
        strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: k8s.IntOrString.fromNumber(0), maxSurge: k8s.IntOrString.fromString('25%') } },
        template: podTemplate(props, options),
      },
    });

    if (props.migration) {
      const migration = props.migration;
      const migrationName = `${name}-migrate`;
      this.migration = new k8s.KubeJob(this, 'Migration', {
        metadata: { name: migrationName, namespace, labels: objectLabels(props, { name: migrationName, component: 'migration' }), annotations: { [HOOK_ANNOTATION]: 'pre-apply' } },
        spec: {
          backoffLimit: migration.backoffLimit ?? 0,
          activeDeadlineSeconds: migration.activeDeadlineSeconds ?? 600,
          template: podTemplate({ ...props, command: migration.command, args: migration.args }, { name: migrationName, component: 'migration', restartPolicy: 'Never', serviceAccountName }),
        },
      });
    }

    if (!canary) {
      this.service = new k8s.KubeService(this, 'Service', {
        metadata,
        spec: {
          type: 'ClusterIP',
          selector: selectorLabels(name),
          ports: Object.entries(ports).map(([portName, containerPort]) => ({
            name: portName,
            port: portName === 'http' ? 80 : containerPort,
            targetPort: k8s.IntOrString.fromString(portName),
            protocol: 'TCP',
          })),
        },
      });
    }

    if (autoscaling) {
      this.autoscaler = new k8s.KubeHorizontalPodAutoscalerV2(this, 'HorizontalPodAutoscaler', {
        metadata,
        spec: {
          scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name },
          minReplicas: replicas,
          maxReplicas,
          metrics: [
            { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: autoscaling.targetCpuUtilization ?? 70 } } },
          ],
        },
      });
    }

    // Under Flagger the serving pods are `<name>-primary` (Flagger rewrites the
    // selector label's value), so budgets and policies must select both.
    const podSelector: k8s.LabelSelector = canary
      ? { matchExpressions: [{ key: LABEL_NAME, operator: 'In', values: [name, `${name}-primary`] }] }
      : { matchLabels: selectorLabels(name) };

    if (props.disruptionBudget !== false && replicas > 1) {
      const budget = props.disruptionBudget ?? { maxUnavailable: 1 };
      const value = 'maxUnavailable' in budget ? budget.maxUnavailable : budget.minAvailable;
      const intOrString = typeof value === 'number' ? k8s.IntOrString.fromNumber(value) : k8s.IntOrString.fromString(value);
      new k8s.KubePodDisruptionBudget(this, 'PodDisruptionBudget', {
        metadata,
        spec: { selector: podSelector, ...('maxUnavailable' in budget ? { maxUnavailable: intOrString } : { minAvailable: intOrString }) },
      });
    }

    if (props.networkPolicy !== false) {
      const allowFrom = props.networkPolicy?.allowFrom ?? [{}];
      // Egress beyond the namespace and DNS (which the baseline allows), when asked.
      const egressTo = props.networkPolicy?.allowEgressTo ?? [];
      new k8s.KubeNetworkPolicy(this, 'NetworkPolicy', {
        metadata,
        spec: {
          podSelector,
          policyTypes: egressTo.length > 0 ? ['Ingress', 'Egress'] : ['Ingress'],
          egress: egressTo.length > 0 ? [{ to: egressTo.map(toPeer) }] : undefined,
          ingress: [
            {
              from: allowFrom.map(toPeer),
              ports: Object.values(ports).map((containerPort) => ({ port: k8s.IntOrString.fromNumber(containerPort), protocol: 'TCP' })),
            },
          ],
        },
      });
    }

    if (metrics) {
      new ServiceMonitor(this, 'ServiceMonitor', {
        metadata,
        spec: {
          selector: { matchLabels: selectorLabels(name) },
          endpoints: [{ port: metrics.port === undefined ? 'http' : 'metrics', path: metrics.path ?? '/metrics', interval: metrics.interval ?? '30s' }],
        },
      });
    }

    if (canary) {
      this.canary = new Canary(this, 'Canary', {
        metadata,
        spec: {
          provider: canary.provider ?? 'linkerd',
          targetRef: { apiVersion: 'apps/v1', kind: CanarySpecTargetRefKind.DEPLOYMENT, name },
          autoscalerRef: autoscaling ? { apiVersion: 'autoscaling/v2', kind: CanarySpecAutoscalerRefKind.HORIZONTAL_POD_AUTOSCALER, name } : undefined,
          progressDeadlineSeconds: canary.progressDeadlineSeconds ?? 600,
          service: {
            port: 80,
            portName: 'http',
            targetPort: CanarySpecServiceTargetPort.fromString('http'),
            // Our labels on the Service Flagger creates, so ServiceMonitors still find it.
            apex: { labels },
          },
          analysis: {
            interval: canary.interval ?? '1m',
            threshold: canary.threshold ?? 5,
            maxWeight: canary.maxWeight ?? 50,
            stepWeight: canary.stepWeight ?? 10,
            metrics: [
              { name: 'request-success-rate', interval: '1m', thresholdRange: { min: canary.minSuccessRate ?? 99 } },
              { name: 'request-duration', interval: '1m', thresholdRange: { max: canary.maxRequestDurationMs ?? 500 } },
            ],
          },
        },
      });
    }
  }
}
