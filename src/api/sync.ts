/**
 * The `Sync` custom resource (strata.dev/v1alpha1): what the agent reconciles.
 * The TypeScript types and the CRD manifest live together so they cannot drift;
 * the CRD is plain data, applied by the agent construct or by tests.
 */
import type { KubeObject } from '../manifest/index.ts';
import { NOTIFICATIONS_SCHEMA, type NotificationRule } from './notifications.ts';
import { VERIFY_SCHEMA, type Verification } from './verify.ts';

export const SYNC_GROUP = 'strata.dev';
export const SYNC_VERSION = 'v1alpha1';
export const SYNC_API_VERSION = `${SYNC_GROUP}/${SYNC_VERSION}`;
export const SYNC_KIND = 'Sync';
export const SYNC_PLURAL = 'syncs';

/** Setting this annotation to a new value (any string, usually a timestamp) asks for a reconcile now. */
export const RECONCILE_REQUESTED_AT = 'strata.dev/reconcile-requested-at';

/** Which commit of the repository to follow. Exactly one of branch, tag, semver or commit; commit may be combined with branch. */
export interface GitRef {
  /** Follow the head of this branch. */
  readonly branch?: string;
  /** Pin to this tag. */
  readonly tag?: string;
  /** Follow the highest tag satisfying this semver range (`^1.2.0`, `>=2 <3`); a leading `v` on tags is allowed. */
  readonly semver?: string;
  /** Pin to this commit (full hex sha1). */
  readonly commit?: string;
}

export interface LocalObjectReference {
  readonly name: string;
}

/** A key of a Secret in the Sync's namespace. */
export interface SecretKeyReference {
  readonly name: string;
  /** @default 'value' (as Flux) */
  readonly key?: string;
}

/**
 * Another cluster to apply to, as Flux's `spec.kubeConfig`: a kubeconfig (its current context)
 * in a Secret of the Sync's namespace. Only inline credentials are accepted (token, client
 * certificate data, basic auth): exec plugins, auth providers and file paths are refused.
 */
export interface KubeConfigReference {
  readonly secretRef: SecretKeyReference;
}

/** The Secret key holding the kubeconfig when `spec.kubeConfig.secretRef.key` is not set. */
export const DEFAULT_KUBECONFIG_KEY = 'value';

export interface DependsOnReference {
  readonly name: string;
  /** @default the namespace of the Sync */
  readonly namespace?: string;
}

/** Left to the secrets engine: how SOPS-encrypted objects of a revision are decrypted. */
export interface Decryption {
  readonly provider: 'sops';
  /** A Secret in the Sync's namespace holding the age keys (`*.agekey`). */
  readonly secretRef?: LocalObjectReference;
}

/**
 * What the agent does when a managed object is changed or deleted by hand.
 * `correct` re-applies the revision within seconds; `report` only emits a Warning
 * event, a log line and a metric; `disabled` does not watch the objects.
 */
export type DriftMode = 'correct' | 'report' | 'disabled';

export interface DriftDetection {
  /** @default 'correct' */
  readonly mode?: DriftMode;
  /**
   * Every Nth interval reconcile compares every object with Git by server-side dry-run,
   * whatever the drift watch vouches for (a `strata reconcile` always does); the others
   * skip what the watch has seen unchanged since Strata applied it.
   * @default 6 (at the default 5m interval, a full comparison every 30 minutes; 1 compares at every
   * interval reconcile, as Flux does)
   */
  readonly fullCheckEvery?: number;
}

/**
 * A health rule for every object of one kind the Sync checks, as CEL expressions over the
 * object (Flux 2.5's `healthCheckExprs`): its top-level fields (`metadata`, `spec`, `status`, …)
 * are the variables. Evaluated in the order inProgress, failed, current; the first that is
 * true decides, none true is InProgress. It replaces the built-in rule for that kind.
 */
export interface HealthCheckExpression {
  /** The kind's API version (`example.com/v1`); the rule applies to every version of the group. */
  readonly apiVersion: string;
  readonly kind: string;
  /** True when the object has reached its desired state. */
  readonly current: string;
  /** True while the object is still on its way. @default none */
  readonly inProgress?: string;
  /** True when the object failed; without it a failure waits out the timeout. @default none */
  readonly failed?: string;
}

/** An object the Sync waits for without applying it (Flux's `healthChecks`). */
export interface HealthCheckReference {
  readonly apiVersion: string;
  readonly kind: string;
  readonly name: string;
  /** @default the namespace of the Sync (omit it for a cluster-scoped kind: see the docs) */
  readonly namespace?: string;
}

export interface SyncSpec {
  /** Git URL (https://, http://, ssh://, git@host:path, file://). Never put credentials in it: use secretRef. */
  readonly url: string;
  /** @default { branch: 'main' } */
  readonly ref?: GitRef;
  /**
   * A Secret in the Sync's namespace: `username` and `password` for HTTPS basic auth,
   * or `identity` (a private key) and `known_hosts` for SSH.
   */
  readonly secretRef?: LocalObjectReference;
  /** Folder inside the repository: `deploy/<cluster>` (with `index.json`) or a folder of plain YAML. @default the repository root */
  readonly path?: string;
  /** How often to reconcile (Go duration: `30s`, `5m`, `1h`), with ±10 % jitter. @default '5m' */
  readonly interval?: string;
  /** How soon to retry after a failure. @default backing off: 2 s, doubling after each failure in a row, up to the interval */
  readonly retryInterval?: string;
  /** Time limit for one fetch, apply and health check. @default '5m' */
  readonly timeout?: string;
  /** Delete objects that left the revision. @default true */
  readonly prune?: boolean;
  /** Wait for every applied object to be healthy before reporting Ready. @default false */
  readonly wait?: boolean;
  /** Health rules for custom kinds, in CEL; parse-checked by `strata validate`. */
  readonly healthCheckExprs?: readonly HealthCheckExpression[];
  /** Objects to wait for after every apply, whether or not `wait` is set; the Sync does not apply them. */
  readonly healthChecks?: readonly HealthCheckReference[];
  /** Syncs that must be Ready (at their current generation) first. */
  readonly dependsOn?: readonly DependsOnReference[];
  /** Stop reconciling; nothing is applied or pruned while set. @default false */
  readonly suspend?: boolean;
  /** Apply and prune as this ServiceAccount of the Sync's namespace (impersonation; on the remote cluster with kubeConfig). @default the agent's own identity */
  readonly serviceAccountName?: string;
  /** Apply, prune, watch for drift and check health on the cluster of this kubeconfig instead of the agent's. @default the agent's cluster */
  readonly kubeConfig?: KubeConfigReference;
  /** Put every namespaced object into this namespace. */
  readonly targetNamespace?: string;
  /** Recreate objects whose immutable fields changed. @default false */
  readonly force?: boolean;
  /** Allow a revision with no objects to prune a non-empty inventory. @default false */
  readonly allowEmpty?: boolean;
  readonly decryption?: Decryption;
  readonly driftDetection?: DriftDetection;
  /** How many reconciliations `status.history` keeps. @default 5 */
  readonly historyLimit?: number;
  /** Who is told what about this Sync (docs/agent.md#notifications). @default none besides the agent's --alert-url */
  readonly notifications?: readonly NotificationRule[];
  /**
   * /hook deliveries for this Sync may be signed with the secret(s) of this Secret's `secret`
   * key (one a line), besides the agent's --webhook-secret-file; such a delivery reconciles only
   * the Syncs whose own secret verified it (docs/agent.md#webhooks).
   * @default the agent's secrets only
   */
  readonly webhook?: { readonly secretRef: LocalObjectReference };
  /** Apply only commits signed by one of these keys (docs/agent.md#verified-commits). @default no verification */
  readonly verify?: Verification;
}

export type ConditionStatus = 'True' | 'False' | 'Unknown';
export type ConditionType = 'Ready' | 'Reconciling' | 'Stalled' | 'Healthy';

/** Why a condition is what it is: a closed set, Flux's names where Flux has one. */
export type ConditionReason =
  | 'ReconciliationSucceeded'
  | 'Progressing'
  | 'Suspended'
  | 'ArtifactFailed'
  | 'BuildFailed'
  | 'DependencyNotReady'
  | 'ClusterUnreachable'
  | 'ReconciliationFailed'
  | 'PruneFailed'
  | 'HealthCheckFailed'
  | 'HealthCheckSucceeded';

export interface Condition {
  readonly type: ConditionType;
  readonly status: ConditionStatus;
  readonly reason: ConditionReason;
  readonly message: string;
  readonly lastTransitionTime: string;
  readonly observedGeneration?: number;
}

/** One object the Sync manages, as Flux keeps it in status (Flux's `ResourceRef`). */
export interface InventoryEntry {
  /** `namespace_name_group_kind` (the manifest model's `refKey`); namespace empty for cluster-scoped objects. */
  readonly id: string;
  /** The API version the object was applied with (`v1`, `apps/v1`). */
  readonly v: string;
}

export type HistoryResult = 'Succeeded' | 'Failed';

/** One line of `status.history`: repeated identical outcomes are counted, not repeated. */
export interface HistoryEntry {
  readonly revision: string;
  /** sha256 of the applied set (its sorted entry digests). */
  readonly digest: string;
  readonly firstReconciled: string;
  readonly lastReconciled: string;
  readonly result: HistoryResult;
  readonly reason: ConditionReason;
  readonly totalReconciliations: number;
}

export interface SyncStatus {
  readonly observedGeneration?: number;
  readonly conditions?: readonly Condition[];
  readonly lastAppliedRevision?: string;
  readonly lastAttemptedRevision?: string;
  /** The value of the reconcile-requested-at annotation last handled. */
  readonly lastHandledReconcileAt?: string;
  readonly inventory?: { readonly entries: readonly InventoryEntry[] };
  /**
   * Objects a reconcile recorded before applying them and that no inventory holds yet: set
   * before an apply that creates objects, removed (null in a merge patch) once one succeeds.
   * Prune and the finalizer treat them as part of the inventory.
   */
  readonly pendingInventory?: { readonly entries: readonly InventoryEntry[] } | null;
  readonly history?: readonly HistoryEntry[];
}

export interface Sync extends KubeObject {
  readonly apiVersion: typeof SYNC_API_VERSION;
  readonly kind: typeof SYNC_KIND;
  readonly metadata: KubeObject['metadata'] & {
    readonly namespace?: string;
    readonly generation?: number;
    readonly resourceVersion?: string;
    readonly uid?: string;
    readonly finalizers?: readonly string[];
    readonly deletionTimestamp?: string;
  };
  readonly spec: SyncSpec;
  readonly status?: SyncStatus;
}

/** Parses a Go-style duration (`1h30m`, `45s`, `250ms`) to milliseconds; throws on anything else. */
export function parseDuration(text: string): number {
  const units: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  const pattern = /(\d+(?:\.\d+)?)(ms|s|m|h)/gy;
  let total = 0;
  let matched = 0;
  for (const match of text.matchAll(pattern)) {
    total += Number(match[1]) * (units[match[2] ?? 's'] ?? 0);
    matched += match[0].length;
  }
  if (text === '' || matched !== text.length) throw new Error(`invalid duration ${JSON.stringify(text)}: use Go syntax such as 30s, 5m or 1h30m`);
  return total;
}

/**
 * Writes milliseconds as a Go-style duration a person reads and `parseDuration` reads back:
 * `250ms`, `1.5s`, `2m58s`, `1h5m`. Under a minute it keeps a tenth of a second, above it whole seconds.
 */
export function formatDuration(ms: number): string {
  if (Math.round(ms) < 1000) return `${Math.round(ms)}ms`;
  const tenths = Math.round(ms / 100);
  if (tenths < 600) return `${tenths / 10}s`;
  const seconds = Math.round(ms / 1000);
  const [h, m, s] = [Math.floor(seconds / 3600), Math.floor((seconds % 3600) / 60), seconds % 60];
  return `${h > 0 ? `${h}h` : ''}${m > 0 ? `${m}m` : ''}${s > 0 ? `${s}s` : ''}`;
}

/** The defaults applied in one place; `resolveSpec` returns a spec with every optional timing filled in. */
export const SYNC_DEFAULTS = {
  ref: { branch: 'main' } as GitRef,
  interval: '5m',
  timeout: '5m',
  prune: true,
  wait: false,
  historyLimit: 5,
  driftMode: 'correct' as DriftMode,
  fullCheckEvery: 6,
} as const;

export interface ResolvedSpec {
  readonly ref: GitRef;
  readonly path: string;
  readonly intervalMs: number;
  readonly retryIntervalMs: number;
  readonly timeoutMs: number;
  readonly prune: boolean;
  readonly wait: boolean;
  readonly historyLimit: number;
  readonly driftMode: DriftMode;
  readonly fullCheckEvery: number;
  /** True when `retryInterval` was set: failures retry at it, instead of backing off from seconds. */
  readonly retryIntervalSet: boolean;
}

export function resolveSpec(spec: SyncSpec): ResolvedSpec {
  const intervalMs = parseDuration(spec.interval ?? SYNC_DEFAULTS.interval);
  return {
    ref: spec.ref ?? SYNC_DEFAULTS.ref,
    path: spec.path ?? '',
    intervalMs,
    retryIntervalMs: spec.retryInterval === undefined ? intervalMs : parseDuration(spec.retryInterval),
    timeoutMs: parseDuration(spec.timeout ?? SYNC_DEFAULTS.timeout),
    prune: spec.prune ?? SYNC_DEFAULTS.prune,
    wait: spec.wait ?? SYNC_DEFAULTS.wait,
    historyLimit: spec.historyLimit ?? SYNC_DEFAULTS.historyLimit,
    driftMode: spec.driftDetection?.mode ?? SYNC_DEFAULTS.driftMode,
    fullCheckEvery: spec.driftDetection?.fullCheckEvery ?? SYNC_DEFAULTS.fullCheckEvery,
    retryIntervalSet: spec.retryInterval !== undefined,
  };
}

const durationSchema = { type: 'string', pattern: '^([0-9]+(\\.[0-9]+)?(ms|s|m|h))+$' };
const refSchema = {
  type: 'object',
  properties: { branch: { type: 'string' }, tag: { type: 'string' }, semver: { type: 'string' }, commit: { type: 'string', pattern: '^[0-9a-f]{40}$' } },
};
const nameRef = { type: 'object', required: ['name'], properties: { name: { type: 'string' } } };
const secretKeyRef = { type: 'object', required: ['name'], properties: { name: { type: 'string', minLength: 1 }, key: { type: 'string', minLength: 1 } } };

/** The CustomResourceDefinition of `Sync`, as data. */
export const SYNC_CRD: KubeObject = {
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: `${SYNC_PLURAL}.${SYNC_GROUP}` },
  spec: {
    group: SYNC_GROUP,
    names: { kind: SYNC_KIND, listKind: 'SyncList', plural: SYNC_PLURAL, singular: 'sync', categories: ['strata'] },
    scope: 'Namespaced',
    versions: [
      {
        name: SYNC_VERSION,
        served: true,
        storage: true,
        subresources: { status: {} },
        additionalPrinterColumns: [
          { name: 'Ready', type: 'string', jsonPath: '.status.conditions[?(@.type=="Ready")].status' },
          { name: 'Revision', type: 'string', jsonPath: '.status.lastAppliedRevision' },
          { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
          // No `priority: 0` (the default, shown without -o wide): the apiserver drops it, and the live CRD would differ from this forever.
          { name: 'Message', type: 'string', jsonPath: '.status.conditions[?(@.type=="Ready")].message' },
        ],
        schema: {
          openAPIV3Schema: {
            type: 'object',
            properties: {
              apiVersion: { type: 'string' },
              kind: { type: 'string' },
              metadata: { type: 'object' },
              spec: {
                type: 'object',
                required: ['url'],
                properties: {
                  url: { type: 'string', minLength: 1 },
                  ref: refSchema,
                  secretRef: nameRef,
                  path: { type: 'string' },
                  interval: durationSchema,
                  retryInterval: durationSchema,
                  timeout: durationSchema,
                  prune: { type: 'boolean' },
                  wait: { type: 'boolean' },
                  healthCheckExprs: {
                    type: 'array',
                    items: {
                      type: 'object',
                      required: ['apiVersion', 'kind', 'current'],
                      properties: {
                        apiVersion: { type: 'string', minLength: 1 },
                        kind: { type: 'string', minLength: 1 },
                        current: { type: 'string', minLength: 1, maxLength: 4096 },
                        inProgress: { type: 'string', maxLength: 4096 },
                        failed: { type: 'string', maxLength: 4096 },
                      },
                    },
                  },
                  healthChecks: {
                    type: 'array',
                    items: {
                      type: 'object',
                      required: ['apiVersion', 'kind', 'name'],
                      properties: { apiVersion: { type: 'string', minLength: 1 }, kind: { type: 'string', minLength: 1 }, name: { type: 'string', minLength: 1 }, namespace: { type: 'string' } },
                    },
                  },
                  dependsOn: {
                    type: 'array',
                    items: { type: 'object', required: ['name'], properties: { name: { type: 'string' }, namespace: { type: 'string' } } },
                  },
                  suspend: { type: 'boolean' },
                  serviceAccountName: { type: 'string' },
                  kubeConfig: { type: 'object', required: ['secretRef'], properties: { secretRef: secretKeyRef } },
                  targetNamespace: { type: 'string' },
                  force: { type: 'boolean' },
                  allowEmpty: { type: 'boolean' },
                  decryption: { type: 'object', required: ['provider'], properties: { provider: { type: 'string', enum: ['sops'] }, secretRef: nameRef } },
                  driftDetection: { type: 'object', properties: { mode: { type: 'string', enum: ['correct', 'report', 'disabled'] }, fullCheckEvery: { type: 'integer', minimum: 1 } } },
                  historyLimit: { type: 'integer', minimum: 1, maximum: 50 },
                  notifications: NOTIFICATIONS_SCHEMA,
                  verify: VERIFY_SCHEMA,
                  webhook: { type: 'object', required: ['secretRef'], properties: { secretRef: nameRef } },
                },
              },
              status: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
            },
          },
        },
      },
    ],
  },
};
