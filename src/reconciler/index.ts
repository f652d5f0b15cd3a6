// The Sync controller: source, one reconcile in fixed phases, status, alerts, metrics, and its client.
export { DEFAULT_SYNC_CONTROLLER_OPTIONS, SyncController, normalizeUrl, type DriftPort, type SyncControllerProps, type TriggerReason } from './controller.ts';
export {
  SYNC_FINALIZER,
  SyncReconciler,
  errorText,
  ownerLabelsOf,
  syncPath,
  type ClusterPort,
  type EngineCallOptions,
  type ReconcileEngine,
  type ReconcileResult,
  type SyncReconcilerProps,
} from './sync-reconciler.ts';
export {
  FetchError,
  FileTooLargeError,
  GitSource,
  UnsafePathError,
  parseLsRemote,
  pickSemverTag,
  readSourceFiles,
  type Artifact,
  type GitAuth,
  type GitSourceOptions,
  type ReadOptions,
  type ResolvedRef,
  type SourceRequest,
} from './source.ts';
export { EncryptedObjectError, isSopsEncrypted, refuseEncrypted, type DecryptHook } from './decrypt.ts';
export { CLUSTER_SCOPED_KINDS, withTargetNamespace } from './target-namespace.ts';
export { TenancyError, applyingIdentity, checkTenancy, isLocalUrl, type TenancyOptions } from './tenancy.ts';
export {
  appendHistory,
  findCondition,
  isReady,
  nextStatus,
  outcomeConditions,
  progressingConditions,
  removeCondition,
  setCondition,
  type Outcome,
  type StatusUpdate,
} from './status.ts';
export { Notifier, type NotificationOutcome, type NotifierProps } from './notifier.ts';
export { imageUpdatedNotification, notificationsOf, type Notification, type NotificationInput } from './notification.ts';
export { PROVIDERS, repositoryPath } from './notification-providers.ts';
export { DEFAULT_DELIVERY_OPTIONS, deliver, retryAfterMs, type DeliveryOptions, type DeliveryRequest, type DeliveryResult } from './deliver.ts';
export { AlertSender, alertPayload, type AlertDelivery, type AlertEvent, type AlertFormat, type AlertOptions, type AlertTarget } from './alerts.ts';
export { AgentMetrics } from './metrics.ts';
export { createEngine, type BoundEngine, type EngineBindingOptions } from './engine-binding.ts';
export { SyncClient, SyncNotFoundError, type SyncEventRecord } from './sync-client.ts';
export { inventorySyncs, inventoryTree, syncKey } from './inventory-tree.ts';
export { ClusterError, DEFAULT_CLUSTER_OPTIONS, SyncClusters, isUnreachable, type SyncClustersProps } from './clusters.ts';
