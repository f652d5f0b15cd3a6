import type { ManifestSetEntryInput } from '../manifest/index.ts';

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
}

export function isClusterSource(value: unknown): value is ClusterSource {
  const candidate = value as Partial<ClusterSource> | null;
  return typeof candidate === 'object' && candidate !== null && typeof candidate.name === 'string' && typeof candidate.synthesize === 'function';
}
