import { deepMerge } from './_deep-merge.ts';
import {
  RESOURCE_TIERS,
  type ComponentValues,
  type DeepPartial,
  type EnvironmentProfile,
  type FeatureFlags,
  type ResourceSpec,
  type ResourceTier,
} from './profile.ts';

const DNS_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** Raised when a component asks for an image its environment's lock file does not pin. */
export class MissingImageError extends Error {
  override readonly name = 'MissingImageError';
  constructor(
    readonly environment: string,
    readonly component: string,
  ) {
    super(`environment ${environment}: no image for component "${component}"; add it to clusters/${environment}/images.json`);
  }
}

/** One component's view of its environment: the environment's values with its own merged over them. */
export interface ComponentSettings {
  readonly name: string;
  readonly resourceTier: ResourceTier;
  readonly resources: ResourceSpec;
  readonly features: FeatureFlags;
  readonly env: Readonly<Record<string, string>>;
  /** Replicas for this component: its own base count (or `fallback`) times the environment's scale. */
  replicas(fallback: number): number;
  /** The autoscaler's ceiling for `replicas` in this environment. */
  maxReplicas(replicas: number): number;
}

/**
 * A resolved environment profile and the helpers components use to read it.
 * Build one with `Environment.define(base, overrides)`.
 */
export class Environment {
  /**
   * Merges `layers` over `base` in order (objects merge, arrays replace).
   * `DeepPartial<EnvironmentProfile>` makes `tsc` reject unknown or mistyped keys.
   */
  static define(base: EnvironmentProfile, ...layers: readonly DeepPartial<EnvironmentProfile>[]): Environment {
    return new Environment(layers.reduce<EnvironmentProfile>((profile, layer) => deepMerge(profile, layer), base));
  }

  readonly profile: EnvironmentProfile;

  constructor(profile: EnvironmentProfile) {
    this.profile = profile;
  }

  get name(): string {
    return this.profile.name;
  }

  get features(): FeatureFlags {
    return this.profile.features;
  }

  /** A public host name in this environment's zone: `<name>.<domain>`. */
  host(name: string): string {
    return `${name}.${this.profile.domain}`;
  }

  /** The pinned image of a component, from `clusters/<env>/images.json`. */
  image(component: string): string {
    const image = this.profile.images[component];
    if (image === undefined) throw new MissingImageError(this.name, component);
    return image;
  }

  /** The component's settings: environment values with `components.<name>` merged over them. */
  component(name: string): ComponentSettings {
    const own: ComponentValues = this.profile.components[name] ?? {};
    const resourceTier = own.resourceTier ?? this.profile.resourceTier;
    const policy = this.profile.replicas;
    const scaled = (replicas: number) => Math.max(policy.min, Math.ceil(replicas * policy.scale));
    return {
      name,
      resourceTier,
      resources: RESOURCE_TIERS[resourceTier],
      features: { ...this.profile.features, ...own.features },
      env: { LOG_LEVEL: this.profile.logLevel, ...own.env },
      replicas: (fallback) => scaled(own.replicas ?? fallback),
      maxReplicas: (replicas) => Math.max(replicas, Math.ceil(replicas * policy.maxFactor)),
    };
  }

  /**
   * What types cannot check: positive scale, whole minimum, a DNS domain, pinned images.
   * A Cluster reports these with its other problems, at `<cluster>/environment`.
   */
  problems(): string[] {
    const { replicas, domain, images } = this.profile;
    const problems: string[] = [];
    if (!(replicas.scale > 0)) problems.push(`replicas.scale must be above 0, got ${replicas.scale}`);
    if (!Number.isInteger(replicas.min) || replicas.min < 0) problems.push(`replicas.min must be a whole number ≥ 0, got ${replicas.min}`);
    if (!(replicas.maxFactor >= 1)) problems.push(`replicas.maxFactor must be at least 1, got ${replicas.maxFactor}`);
    if (!DNS_NAME.test(domain)) problems.push(`domain "${domain}" is not a lower-case DNS name`);
    for (const [component, image] of Object.entries(images)) {
      const afterSlash = image.slice(image.lastIndexOf('/') + 1);
      if (!image.includes('@') && !afterSlash.includes(':')) problems.push(`images.${component}: "${image}" has neither a tag nor a digest`);
    }
    return problems;
  }

  /** A copy with more values merged over this one (per-test or per-region tweaks). */
  with(overrides: DeepPartial<EnvironmentProfile>): Environment {
    return Environment.define(this.profile, overrides);
  }
}
