// The public surface of Strata's construct library. Files starting with `_` and
// members marked @internal are not part of it.

export { isClusterSource, type ClusterSource, type ProvidedObject, type UnitSource } from './cluster-source.ts';
export { Cluster, type ClusterProps, type ComponentBuilder, type UnitProps } from './cluster.ts';
export { Environment, MissingImageError, type ComponentSettings } from './environment.ts';
export { ConstructValidationError, type ConstructProblem } from './errors.ts';
export {
  RESOURCE_TIERS,
  type ComponentValues,
  type DeepPartial,
  type EnvironmentProfile,
  type FeatureFlags,
  type LogLevel,
  type ReplicaPolicy,
  type ResourceSpec,
  type ResourceTier,
} from './profile.ts';

export { TEST_PROFILE, Testing, type TestClusterOptions } from './testing.ts';
export { fleet, type FleetProps } from './fleet.ts';

// Archetypes
export { BackendService, type AutoscalingOptions, type BackendServiceProps, type CanaryOptions, type MetricsOptions, type MigrationOptions } from './archetypes/backend-service.ts';
export { DataPipeline, type ConcurrencyPolicy, type DataPipelineProps } from './archetypes/data-pipeline.ts';
export { FrontendApp, type FrontendAppProps } from './archetypes/frontend-app.ts';
export type { NetworkPeer } from './archetypes/network-peer.ts';
export {
  LABEL_COMPONENT,
  LABEL_MANAGED_BY,
  LABEL_NAME,
  LABEL_PART_OF,
  type EnvSource,
  type HttpProbe,
  type Probes,
  type Resources,
  type WorkloadProps,
} from './archetypes/workload.ts';

// Base components
export { AlertRules, ScrapeTarget, type Alert, type AlertRulesProps, type ScrapeTargetProps, type Severity } from './components/monitoring.ts';
export { NetworkBaseline, type NetworkBaselineProps } from './components/networking.ts';
export { SecureNamespace, TeamAccess, type AccessLevel, type PodSecurityLevel, type SecureNamespaceProps, type TeamAccessProps } from './components/security.ts';

// Typed JSON of each kind (for patches)
export type { JsonOf, KindMap, KindObject, KnownKind } from './kinds.ts';

// Overlays
export { Overlays } from './overlays/index.ts';
export type { MutableMeta, MutableObject, ObjectSelector, Overlay, OverlayContext, Resource } from './overlays/overlay.ts';
export type { AnnotationOptions } from './overlays/annotations.ts';
export type { ConfigMapGeneratorOptions, GeneratorBehavior, SecretGeneratorOptions } from './overlays/generators.ts';
export { parseImage, type ImageOverride, type ImageReference } from './overlays/images.ts';
export { applyJsonPatch, type JsonPatchOperation } from './overlays/json-patch.ts';
export type { LabelOptions } from './overlays/labels.ts';
export type { NameAffixOptions } from './overlays/names.ts';
export type { NamespaceOptions } from './overlays/namespace.ts';
export type { PatchOptions } from './overlays/patch.ts';
export type { ReplicaOverride } from './overlays/replicas.ts';
export { Wave } from './ordering.ts';
export { SopsSecret, type SopsSecretProps } from './sops-secret.ts';
export { LOCKED_DOWN_AGENT_ARGS, StrataAgent, type StrataAgentProps } from './agent.ts';
// The Sync fields a cluster's TypeScript writes health rules with (a Sync object, a unit, the root Sync).
export type { HealthCheckExpression, HealthCheckReference } from '../api/index.ts';
