// The apply engine, one file per verb: apply, diff, drift, health, inventory, prune, wait.
export { PLANNED_ACTION, type ApplyAction, type DiffAction } from './action.ts';
export {
  ApplyError,
  DEFAULT_APPLY_OPTIONS,
  ObjectError,
  apply,
  applyAll,
  applyAllStaged,
  type ApplyOptions,
  type ChangeSet,
  type ChangeSetEntry,
} from './apply.ts';
export {
  DEFAULT_DIFF_OPTIONS,
  DiffError,
  diffLive,
  maskSecrets,
  type DiffEntry,
  type DiffOptions,
  type DiffResult,
} from './diff.ts';
export { DEFAULT_DRIFT_OPTIONS, DriftWatcher, type DriftEvent, type DriftReason, type DriftWatcherOptions, type WatchEntry } from './drift.ts';
export {
  HealthExpressionError,
  checkHealthExpressions,
  compileHealthExpressions,
  type HealthExpressionProblem,
} from './health-expressions.ts';
export { HEALTH_RULES, computeHealth, groupKindOf, type Health, type HealthRule, type HealthStatus } from './health.ts';
export { InventoryEntryError, inventoryEntryOf, inventoryOf, refOfInventoryEntry, staleOf, withInventoryEntries } from './inventory.ts';
export { DEFAULT_PRUNE_OPTIONS, PruneError, pruneStale, type PruneOptions } from './prune.ts';
export { DEFAULT_WAIT_OPTIONS, HealthCheckError, waitForHealthy, type HealthEntry, type HealthReport, type WaitOptions } from './wait.ts';
export { OrderingError, describeWave, wavesOf, type Wave } from './waves.ts';
export {
  DEFAULT_HOOK_OPTIONS,
  HookError,
  hookPrerequisites,
  hooksOf,
  runHooks,
  runsToCompletion,
  splitHooks,
  type HookObject,
  type HookOptions,
  type HookResult,
  type SplitRevision,
} from './hooks.ts';
