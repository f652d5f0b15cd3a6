/**
 * The environment profile: every setting that differs between clusters, typed so
 * that `tsc` rejects a misspelt or mistyped key. A cluster's profile is the base
 * profile (`base/profile.ts`) with the environment's values deep-merged over it
 * (kosko's model: objects merge, arrays replace), and each component may carry its
 * own values on top (`components.<name>`).
 */

/** Named resource sizes; see `RESOURCE_TIERS` for what each one requests. */
export type ResourceTier = 'small' | 'medium' | 'large';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

/** Switches that turn whole families of objects on or off per environment. */
export interface FeatureFlags {
  /** Progressive delivery with a Flagger `Canary` for services that define one. */
  readonly canary: boolean;
  /** A prometheus-operator `ServiceMonitor` per service that exposes metrics. */
  readonly serviceMonitors: boolean;
  /** Per-app NetworkPolicies on top of the default-deny baseline. */
  readonly networkPolicies: boolean;
  /** A PodDisruptionBudget per workload with more than one replica. */
  readonly podDisruptionBudgets: boolean;
  /** A HorizontalPodAutoscaler per service (replicas then become its minimum). */
  readonly autoscaling: boolean;
}

export interface ReplicaPolicy {
  /** Multiplies every component's base replica count (rounded up). */
  readonly scale: number;
  /** No workload runs fewer replicas than this. */
  readonly min: number;
  /** Autoscalers may grow a workload to `maxFactor` times its replicas. */
  readonly maxFactor: number;
}

/** Values one component may set for itself, over the environment's. */
export interface ComponentValues {
  /** Replicas before the environment's scale is applied. */
  readonly replicas?: number;
  readonly resourceTier?: ResourceTier;
  readonly features?: Partial<FeatureFlags>;
  /** Extra environment variables for the component's containers. */
  readonly env?: Readonly<Record<string, string>>;
}

export interface EnvironmentProfile {
  /** The environment's name; also the default cluster name. */
  readonly name: string;
  /** DNS zone the environment's public hosts live in, e.g. `staging.shop.example.com`. */
  readonly domain: string;
  readonly replicas: ReplicaPolicy;
  readonly resourceTier: ResourceTier;
  readonly logLevel: LogLevel;
  readonly features: FeatureFlags;
  /** The IngressClass every Ingress uses. */
  readonly ingressClassName: string;
  /** cert-manager ClusterIssuer that signs the Ingress certificates. */
  readonly certificateIssuer: string;
  /**
   * Image references by component name, read from the environment's lock file
   * `clusters/<env>/images.json` (`{ "images": { "<component>": "<image>:<tag>" } }`),
   * which image automation rewrites.
   */
  readonly images: Readonly<Record<string, string>>;
  /** Per-component values, merged over the environment's. */
  readonly components: Readonly<Record<string, ComponentValues>>;
}

/**
 * What an environment may override: every field optional at every depth.
 * Arrays are replaced whole (so they are not made partial); records stay records.
 */
export type DeepPartial<T> = T extends readonly unknown[]
  ? T
  : T extends object
    ? { readonly [K in keyof T]?: DeepPartial<T[K]> }
    : T;

/** Requests and limits of one container, as Kubernetes quantities. */
export interface ResourceSpec {
  readonly requests: { readonly cpu: string; readonly memory: string };
  readonly limits: { readonly cpu?: string; readonly memory: string };
}

/**
 * What each tier asks for. Memory is limited (an over-running container is killed
 * rather than starving its neighbours); CPU is requested but not limited, because
 * CFS throttling under a limit hurts latency more than it protects neighbours,
 * and the request already guarantees the share. Both can be overridden per workload.
 */
export const RESOURCE_TIERS: Readonly<Record<ResourceTier, ResourceSpec>> = {
  small: { requests: { cpu: '50m', memory: '64Mi' }, limits: { memory: '128Mi' } },
  medium: { requests: { cpu: '100m', memory: '256Mi' }, limits: { memory: '512Mi' } },
  large: { requests: { cpu: '500m', memory: '1Gi' }, limits: { memory: '2Gi' } },
};
