import type { HealthCheckExpression, HealthCheckReference } from '../api/index.ts';
import type { KubeObject, ManifestSetEntryInput } from '../manifest/index.ts';

/**
 * What a `clusters/<name>/index.ts` module default-exports: the boundary
 * between the construct library and the compiler. The compiler knows nothing
 * of constructs beyond this; the construct library knows nothing of files.
 */
/** An object the cluster has without the compiled output holding it (a cloud's StorageClass, a Secret an operator creates). */
export interface ProvidedObject {
  readonly kind: string;
  readonly name: string;
  /** For namespaced kinds; omitted: every namespace. */
  readonly namespace?: string;
}

/**
 * One unit of a cluster: a part compiled to its own folder `deploy/<cluster>/<name>/`, applied
 * by its own Sync after the units it depends on are Ready. Objects no unit claims form the
 * root unit, which the root Sync applies and which holds the other units' Syncs.
 */
export interface UnitSource {
  /** A DNS-1123 label; also the folder under `deploy/<cluster>/`. */
  readonly name: string;
  /** Units that must be Ready (at the same revision) before this one is applied. @default none */
  readonly dependsOn?: readonly string[];
  /** Whether the unit's Sync waits for its objects to be healthy before it is Ready. @default true */
  readonly wait?: boolean;
  /** CEL health rules of the unit's Sync (`spec.healthCheckExprs`). @default the root Sync's */
  readonly healthCheckExprs?: readonly HealthCheckExpression[];
  /** Objects the unit's Sync waits for without applying them (`spec.healthChecks`). @default none */
  readonly healthChecks?: readonly HealthCheckReference[];
  /** Whether the object (with the construct path it came from) belongs to this unit. */
  claims(object: KubeObject, source: string): boolean;
}

export interface ClusterSource {
  /** The cluster's name; also the folder under `deploy/`. */
  readonly name: string;
  /**
   * Builds the construct tree, applies the environment's overlays and returns
   * every object as plain JSON with the construct path it came from
   * (`source`, e.g. `production/apps/checkout-api/Deployment`), which errors quote.
   */
  synthesize(): readonly ManifestSetEntryInput[] | Promise<readonly ManifestSetEntryInput[]>;
  /**
   * Names the cluster provides itself, which `strata validate`'s reference checks accept.
   * @default none
   */
  readonly provides?: readonly ProvidedObject[];
  /**
   * The units the cluster compiles into, in order. Read after `synthesize()`.
   * @default none: the whole cluster is one folder, `deploy/<cluster>/`
   */
  readonly units?: readonly UnitSource[];
}

export function isClusterSource(value: unknown): value is ClusterSource {
  const candidate = value as Partial<ClusterSource> | null;
  return typeof candidate === 'object' && candidate !== null && typeof candidate.name === 'string' && typeof candidate.synthesize === 'function';
}
