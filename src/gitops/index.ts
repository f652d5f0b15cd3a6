// The public surface of history, rollback and bootstrap: environments as Git history.
export { bootstrap, DEFAULT_BOOTSTRAP_OPTIONS, type BootstrapOptions, type BootstrapResult, type StepOutcome } from './bootstrap.ts';
export { upsertCredentialSecrets, type CredentialSecretsProps, type SecretOutcome } from './credentials.ts';
export { ensureSources, hookIntoIndex, STRATA_LAYER, STRATA_SYSTEM_FILE, type BootstrapSourcesProps, type SourcesResult } from './bootstrap-sources.ts';
export { checkAccess, checkNotOtherCluster, deniedInstallRights, selectContext, type ClusterAccessProps } from './cluster-access.ts';
export {
  assertClusterName,
  BootstrapError,
  DirtyWorkTreeError,
  InvalidClusterNameError,
  RevisionNotFoundError,
  RollbackConflictError,
  type BootstrapStep,
} from './errors.ts';
export { DEFAULT_HISTORY_OPTIONS, readHistory, type AppliedRevision, type EnvironmentHistory, type HistoryOptions, type Person } from './history.ts';
export { liveRevision, LiveRevisionError, type LiveRevisionOptions } from './live-revision.ts';
export { combineIndexes, readClusterIndexes, type ClusterIndex, type ClusterIndexEntry } from './cluster-index.ts';
export { changesOfFiles, countChanges, describeChange, describeCounts, diffIndexes, parseIndex, type ChangeCounts, type ObjectChange, type ObjectChangeAction } from './object-changes.ts';
export { DEFAULT_ROLLBACK_OPTIONS, rollback, type RollbackOptions, type RollbackOutcome, type RollbackResult, type RolledBackRevision } from './rollback.ts';
export { AGE_KEY_SECRET, GIT_AUTH_SECRET, PART_OF_LABEL, PART_OF_VALUE, ROOT_SYNC_NAMESPACE, ROOT_UNIT, UNIT_LABEL, rootSyncName, rootSyncSpec, unitSyncName, type RootSyncProps } from './root-sync.ts';
export { BOOTSTRAP_TRAILER, parseTrailers, ROLLBACK_CLUSTER_TRAILER, ROLLBACK_TO_TRAILER, SOURCE_COMMIT_TRAILERS } from './trailers.ts';
export { DEFAULT_WAIT_READY_OPTIONS, isReadyAt, waitForSyncReady, type WaitReadyOptions, type WaitReadyResult } from './wait-ready.ts';
