// The Kubernetes client: HTTP requests and watches, errors, the informer, Events, the leader Lease.
export { KubeApiError, NoKindMatchError, errorOf, isImmutableError, type StatusCause } from './errors.ts';
export {
  APPLY_PATCH_TYPE,
  KubeClient,
  MERGE_PATCH_TYPE,
  type ApplyRequestOptions,
  type DeleteRequestOptions,
  type FieldValidation,
  type KubeClientOptions,
  type ListResult,
  type RequestOptions,
  type RequestStats,
  type ResourceInfo,
  type WatchEvent,
} from './client.ts';
export { AgentApi, loadKubeConfig } from './agent-api.ts';
export { Informer, objectKey, type InformedObject, type InformerEventType, type InformerProps } from './informer.ts';
export { EventRecorder, REPORTING_CONTROLLER, eventNote, type EventRecorderOptions, type EventSubject, type EventType, type SyncEvent } from './events.ts';
export { LeaderElector, type LeaderElectionOptions } from './leader.ts';
export { WorkQueue, type WorkQueueOptions } from './work-queue.ts';
export { KubeConfigError, parseRemoteKubeConfig, type RemoteKubeConfig } from './remote-kubeconfig.ts';
