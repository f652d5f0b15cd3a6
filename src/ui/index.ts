// `strata ui`: a local web app over the user's kubeconfig contexts.
export { UiServer, kubeAnswer, type FleetSnapshot, type UiContext, type UiServerOptions } from './server.ts';
export { buildClientBundle } from './bundle.ts';
export type { FleetRow } from './fleet.ts';
