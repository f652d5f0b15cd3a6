/**
 * The root Sync: the one Sync `strata bootstrap` creates in a cluster, pointing at
 * the cluster's own compiled output (`deploy/<cluster>`), which holds the agent
 * and this Sync too, so the agent manages itself from Git. Names of the objects
 * bootstrap creates outside Git (the credentials Secrets) live here as well.
 */
import { ROOT_UNIT, UNIT_LABEL, unitSyncName, type HealthCheckExpression, type HealthCheckReference, type SyncSpec } from '../api/index.ts';

/** Namespace of the agent, the root Sync and the Secrets bootstrap creates. */
export const ROOT_SYNC_NAMESPACE = 'strata-system';
/** The Secret with the Git credentials (`username`, `password`), created by bootstrap, never in Git. */
export const GIT_AUTH_SECRET = 'strata-git-auth';
/** The Secret with the cluster's age identity (`age.agekey`), created by bootstrap, never in Git. */
export const AGE_KEY_SECRET = 'strata-age-key';
/** Label on every object of the agent's own manifests and the root Sync. */
export const PART_OF_LABEL = 'app.kubernetes.io/part-of';
export const PART_OF_VALUE = 'strata';

/** The root Sync is named after the cluster, so `strata history <cluster>` finds it and a wrong cluster is noticed. */
export function rootSyncName(cluster: string): string {
  return cluster;
}

export { ROOT_UNIT, UNIT_LABEL, unitSyncName };

/** Options of {@link rootSyncSpec}. */
export interface RootSyncProps {
  readonly cluster: string;
  /** The repository URL, without credentials. */
  readonly url: string;
  readonly branch: string;
  /** Refer to the Git credentials Secret. */
  readonly gitAuth: boolean;
  /** Decrypt SOPS objects with the age key Secret. */
  readonly ageKey: boolean;
  /**
   * How often the agent looks for a new revision.
   * @default '1m'
   */
  readonly interval?: string;
  /**
   * Folder of the compiled output in the repository.
   * @default 'deploy'
   */
  readonly deployDir?: string;
  /**
   * The cluster is compiled into units: point at its root unit, `deploy/<cluster>/root`.
   * @default false
   */
  readonly units?: boolean;
  /**
   * CEL health rules for custom kinds the cluster applies (Flux's `healthCheckExprs`).
   * @default none
   */
  readonly healthCheckExprs?: readonly HealthCheckExpression[];
  /**
   * Objects the root Sync waits for after each apply without applying them.
   * @default none
   */
  readonly healthChecks?: readonly HealthCheckReference[];
}

export function rootSyncSpec(props: RootSyncProps): SyncSpec {
  return {
    url: props.url,
    ref: { branch: props.branch },
    path: `${props.deployDir ?? 'deploy'}/${props.cluster}${props.units ? `/${ROOT_UNIT}` : ''}`,
    interval: props.interval ?? '1m',
    prune: true,
    ...(props.gitAuth ? { secretRef: { name: GIT_AUTH_SECRET } } : {}),
    ...(props.ageKey ? { decryption: { provider: 'sops' as const, secretRef: { name: AGE_KEY_SECRET } } } : {}),
    ...(props.healthCheckExprs?.length ? { healthCheckExprs: props.healthCheckExprs } : {}),
    ...(props.healthChecks?.length ? { healthChecks: props.healthChecks } : {}),
  };
}
