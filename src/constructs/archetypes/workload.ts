import type { k8s } from 'cdk8s-plus-28';

/** Requests and limits as quantity strings (`100m`, `256Mi`); see `RESOURCE_TIERS`. */
export interface Resources {
  readonly requests?: { readonly cpu?: string; readonly memory?: string; readonly 'ephemeral-storage'?: string };
  readonly limits?: { readonly cpu?: string; readonly memory?: string; readonly 'ephemeral-storage'?: string };
}

/** An HTTP probe against one of the container's ports. */
export interface HttpProbe {
  readonly path: string;
  /** @default 'http' (the main container port) */
  readonly port?: string | number;
  /** @default 0 */
  readonly initialDelaySeconds?: number;
  /** @default 10 */
  readonly periodSeconds?: number;
  /** @default 2 */
  readonly timeoutSeconds?: number;
  /** @default 3 */
  readonly failureThreshold?: number;
}

/** Probes of the main container; `false` turns one off. */
export interface Probes {
  /** @default { path: '/healthz/ready' } */
  readonly readiness?: HttpProbe | false;
  /** @default { path: '/healthz/live', failureThreshold: 6 } */
  readonly liveness?: HttpProbe | false;
  /** @default none (liveness waits through slow starts thanks to its failure threshold) */
  readonly startup?: HttpProbe | false;
}

/** Environment variables from a whole ConfigMap or Secret (`envFrom`). */
export type EnvSource = { readonly configMap: string; readonly prefix?: string } | { readonly secret: string; readonly prefix?: string };

/** What every archetype's pod accepts: one main container and the pod around it. */
export interface WorkloadProps {
  /** Image reference with a tag or digest (`ghcr.io/acme/api:1.2.3`); usually `environment.image(name)`. */
  readonly image: string;
  /** Namespace of every object the archetype creates. */
  readonly namespace: string;
  /**
   * The application this workload belongs to (`app.kubernetes.io/part-of`).
   * @default none
   */
  readonly partOf?: string;
  /**
   * Container resources. Requests are always set (the scheduler needs them); see
   * `RESOURCE_TIERS` for why CPU is not limited by default.
   * @default RESOURCE_TIERS.small
   */
  readonly resources?: Resources;
  /** @default no extra variables */
  readonly env?: Readonly<Record<string, string>>;
  /** @default none */
  readonly envFrom?: readonly EnvSource[];
  /** @default the image's entrypoint */
  readonly command?: readonly string[];
  /** @default the image's arguments */
  readonly args?: readonly string[];
  /** Labels added to every object's metadata (never to selectors). @default none */
  readonly labels?: Readonly<Record<string, string>>;
  /**
   * Merged over the container defaults: non-root, read-only root filesystem, no
   * privilege escalation, all capabilities dropped, seccomp RuntimeDefault.
   */
  readonly securityContext?: k8s.SecurityContext;
  /**
   * Spread of pods across zones and nodes (`ScheduleAnyway`, so a small cluster still
   * schedules). `false` for none, or explicit constraints.
   * @default zone and hostname, maxSkew 1
   */
  readonly topologySpread?: false | readonly k8s.TopologySpreadConstraint[];
  /** @default 30 */
  readonly terminationGracePeriodSeconds?: number;
}

/** The labels Strata puts on every object of a workload. */
export const LABEL_NAME = 'app.kubernetes.io/name';
export const LABEL_COMPONENT = 'app.kubernetes.io/component';
export const LABEL_PART_OF = 'app.kubernetes.io/part-of';
export const LABEL_MANAGED_BY = 'app.kubernetes.io/managed-by';
