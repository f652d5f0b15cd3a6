// `strata ui`: a local web app over the user's kubeconfig contexts (and the agent's read-only pages).
export { kubeAnswer, PageError } from './answer.ts';
export { UiServer, type FleetSnapshot, type UiContext, type UiServerOptions } from './server.ts';
export { buildClientBundle } from './bundle.ts';
export type { FleetRow } from './fleet.ts';
export type { SourceCommit } from './repositories.ts';
export type { InventoryBranch, InventoryObject, SyncDetail } from './sync-detail.ts';
export type { AppliedChange, LastChange, RevisionView, SyncGitView } from './sync-history.ts';
export type { NextChange, SyncNextView } from './sync-next.ts';
export type { ParityResult } from '../compiler/parity.ts';
export type { Lineage } from './environments.ts';
