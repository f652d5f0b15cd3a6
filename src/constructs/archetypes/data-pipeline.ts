import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { toPeer, type NetworkPeer } from './network-peer.ts';
import { objectLabels, podTemplate, selectorLabels, validateWorkload } from './_pod.ts';
import type { Resources, WorkloadProps } from './workload.ts';
import { RESOURCE_TIERS } from '../profile.ts';

export type ConcurrencyPolicy = 'Allow' | 'Forbid' | 'Replace';

export interface DataPipelineProps extends WorkloadProps {
  /**
   * Cron schedule (5 fields). With it the pipeline is a CronJob; without, a one-off Job.
   * @default none (a Job)
   */
  readonly schedule?: string;
  /** @default 'Etc/UTC' */
  readonly timeZone?: string;
  /** What to do when a run is still going at the next schedule. @default 'Forbid' */
  readonly concurrencyPolicy?: ConcurrencyPolicy;
  /** A run that cannot start within this many seconds of its time is skipped. @default 300 */
  readonly startingDeadlineSeconds?: number;
  /** A run is killed after this many seconds. @default 3600 */
  readonly activeDeadlineSeconds?: number;
  /** Retries before a run counts as failed. @default 2 */
  readonly backoffLimit?: number;
  /** @default 3 */
  readonly successfulJobsHistoryLimit?: number;
  /** @default 3 */
  readonly failedJobsHistoryLimit?: number;
  /** Finished Jobs are deleted after this many seconds. @default 86400 */
  readonly ttlSecondsAfterFinished?: number;
  /** @default false */
  readonly suspend?: boolean;
  /**
   * Where the pipeline may connect beyond its namespace (which the network baseline
   * already allows, with DNS): a NetworkPolicy allowing egress to these peers.
   * @default none
   */
  readonly allowEgressTo?: readonly NetworkPeer[];
  /** Batch work gets more memory by default. @default RESOURCE_TIERS.medium */
  readonly resources?: Resources;
}

const CRON = /^(\S+\s+){4}\S+$|^@(yearly|annually|monthly|weekly|daily|midnight|hourly)$/;

/** Batch work: a CronJob when scheduled, a Job otherwise, with deadlines and history limits set. */
export class DataPipeline extends Construct {
  readonly name: string;
  readonly namespace: string;

  constructor(scope: Construct, id: string, props: DataPipelineProps) {
    super(scope, id);
    const name = id;
    this.name = name;
    this.namespace = props.namespace;
    const metadata = { name, namespace: props.namespace, labels: objectLabels(props, { name, component: 'pipeline' }) };
    const workload: WorkloadProps = { ...props, resources: props.resources ?? RESOURCE_TIERS.medium, topologySpread: props.topologySpread ?? false };

    this.node.addValidation({
      validate: () => [
        ...validateWorkload(props),
        ...(props.schedule !== undefined && !CRON.test(props.schedule.trim()) ? [`schedule "${props.schedule}" is not a 5-field cron expression`] : []),
        ...((props.activeDeadlineSeconds ?? 3600) <= 0 ? ['activeDeadlineSeconds must be positive'] : []),
      ],
    });

    const jobSpec: k8s.JobSpec = {
      backoffLimit: props.backoffLimit ?? 2,
      activeDeadlineSeconds: props.activeDeadlineSeconds ?? 3600,
      ttlSecondsAfterFinished: props.ttlSecondsAfterFinished ?? 86400,
      template: podTemplate(workload, { name, component: 'pipeline', restartPolicy: 'Never' }),
    };

    if (props.allowEgressTo !== undefined && props.allowEgressTo.length > 0) {
      new k8s.KubeNetworkPolicy(this, 'NetworkPolicy', {
        metadata,
        spec: { podSelector: { matchLabels: selectorLabels(name) }, policyTypes: ['Egress'], egress: [{ to: props.allowEgressTo.map(toPeer) }] },
      });
    }

    if (props.schedule === undefined) {
      new k8s.KubeJob(this, 'Job', { metadata, spec: { ...jobSpec, suspend: props.suspend } });
      return;
    }
    new k8s.KubeCronJob(this, 'CronJob', {
      metadata,
      spec: {
        schedule: props.schedule,
        timeZone: props.timeZone ?? 'Etc/UTC',
        concurrencyPolicy: props.concurrencyPolicy ?? 'Forbid',
        startingDeadlineSeconds: props.startingDeadlineSeconds ?? 300,
        successfulJobsHistoryLimit: props.successfulJobsHistoryLimit ?? 3,
        failedJobsHistoryLimit: props.failedJobsHistoryLimit ?? 3,
        suspend: props.suspend ?? false,
        jobTemplate: { metadata: { labels: metadata.labels }, spec: jobSpec },
      },
    });
  }
}
