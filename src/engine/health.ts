/**
 * Readiness of one live object by kstatus rules (sigs.k8s.io/cli-utils/pkg/kstatus),
 * as a rule table: generic rules first (deletion → Terminating, generation not
 * observed → InProgress, Stalled → Failed, Reconciling → InProgress), then one
 * function per kind keyed `group/Kind`, then a fallback on the `Ready` condition.
 *
 * Where Strata departs from kstatus, on purpose:
 * - a Job is InProgress until it completes (kstatus calls a started Job Current);
 *   waiting for a migration Job is what users of `wait` mean.
 * - a `Ready=False` condition with no Reconciling/Stalled is InProgress with its message.
 */
import type { KubeObject } from '../manifest/index.ts';

/** The closed set of kstatus statuses, plus NotFound for an object that is missing. */
export type HealthStatus = 'Current' | 'InProgress' | 'Failed' | 'Terminating' | 'NotFound' | 'Unknown';

export interface Health {
  readonly status: HealthStatus;
  /** What a human needs to know, e.g. `Ready: 2/3`. */
  readonly message: string;
}

/** A per-kind rule: the health of an object that passed the generic rules. */
export type HealthRule = (object: KubeObject) => Health;

interface Condition {
  readonly type?: string;
  readonly status?: string;
  readonly reason?: string;
  readonly message?: string;
}

const current = (message: string): Health => ({ status: 'Current', message });
const inProgress = (message: string): Health => ({ status: 'InProgress', message });
const failed = (message: string): Health => ({ status: 'Failed', message });

function field(object: unknown, path: string): unknown {
  let value: unknown = object;
  for (const key of path.split('.')) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<string, unknown>)[key];
  }
  return value;
}

function int(object: unknown, path: string, fallback: number): number {
  const value = field(object, path);
  return typeof value === 'number' ? value : fallback;
}

function str(object: unknown, path: string): string | undefined {
  const value = field(object, path);
  return typeof value === 'string' ? value : undefined;
}

function conditionsOf(object: KubeObject): readonly Condition[] {
  const conditions = field(object, 'status.conditions');
  return Array.isArray(conditions) ? (conditions as Condition[]) : [];
}

function condition(object: KubeObject, type: string): Condition | undefined {
  return conditionsOf(object).find((candidate) => candidate.type === type);
}

function said(cond: Condition, fallback: string): string {
  return cond.message || cond.reason || fallback;
}

type GenericRule = (object: KubeObject) => Health | undefined;

/** Rules every object passes first, a user's CEL rule too (as Flux's CEL status reader does). */
const LIFECYCLE_RULES: readonly GenericRule[] = [
  (object) => (object.metadata.deletionTimestamp ? { status: 'Terminating', message: 'deletion in progress' } : undefined),
  (object) => {
    const generation = field(object, 'metadata.generation');
    const observed = field(object, 'status.observedGeneration');
    if (typeof generation === 'number' && typeof observed === 'number' && observed < generation) {
      return inProgress(`generation ${generation} not observed yet (observed ${observed})`);
    }
    return undefined;
  },
];

/** Rules every object passes first unless a user's rule covers its kind; the first that answers wins. */
const GENERIC_RULES: readonly GenericRule[] = [
  ...LIFECYCLE_RULES,
  (object) => {
    const stalled = condition(object, 'Stalled');
    return stalled?.status === 'True' ? failed(said(stalled, 'Stalled')) : undefined;
  },
  (object) => {
    const reconciling = condition(object, 'Reconciling');
    return reconciling?.status === 'True' ? inProgress(said(reconciling, 'Reconciling')) : undefined;
  },
];

function deployment(object: KubeObject): Health {
  let progressing = int(object, 'spec.progressDeadlineSeconds', 0) === 2147483647;
  let available = false;
  for (const cond of conditionsOf(object)) {
    if (cond.type === 'Progressing') {
      if (cond.reason === 'ProgressDeadlineExceeded') return failed(`progress deadline exceeded: ${cond.message ?? ''}`.trim());
      if (cond.status === 'True' && cond.reason === 'NewReplicaSetAvailable') progressing = true;
    }
    if (cond.type === 'Available' && cond.status === 'True') available = true;
  }
  const spec = int(object, 'spec.replicas', 1);
  const replicas = int(object, 'status.replicas', 0);
  const updated = int(object, 'status.updatedReplicas', 0);
  const ready = int(object, 'status.readyReplicas', 0);
  const availableReplicas = int(object, 'status.availableReplicas', 0);
  if (spec > replicas) return inProgress(`Replicas: ${replicas}/${spec}`);
  if (spec > updated) return inProgress(`Updated: ${updated}/${spec}`);
  if (replicas > spec) return inProgress(`Pending termination: ${replicas - spec}`);
  if (updated > availableReplicas) return inProgress(`Available: ${availableReplicas}/${updated}`);
  if (spec > ready) return inProgress(`Ready: ${ready}/${spec}`);
  if (!progressing) return inProgress('rollout in progress');
  if (!available) return inProgress('Deployment not Available');
  return current(`Deployment is available. Replicas: ${spec}`);
}

function replicaSet(object: KubeObject): Health {
  const failure = condition(object, 'ReplicaFailure');
  if (failure?.status === 'True') return failed(said(failure, 'ReplicaFailure'));
  const spec = int(object, 'spec.replicas', 1);
  const ready = int(object, 'status.readyReplicas', 0);
  const availableReplicas = int(object, 'status.availableReplicas', 0);
  const labelled = int(object, 'status.fullyLabeledReplicas', 0);
  if (spec > labelled) return inProgress(`Labelled: ${labelled}/${spec}`);
  if (spec > availableReplicas) return inProgress(`Available: ${availableReplicas}/${spec}`);
  if (spec > ready) return inProgress(`Ready: ${ready}/${spec}`);
  return current(`ReplicaSet is available. Replicas: ${spec}`);
}

function statefulSet(object: KubeObject): Health {
  if (str(object, 'spec.updateStrategy.type') === 'OnDelete') return current('StatefulSet is using the OnDelete update strategy');
  const spec = int(object, 'spec.replicas', 1);
  const replicas = int(object, 'status.replicas', 0);
  const ready = int(object, 'status.readyReplicas', 0);
  const currentReplicas = int(object, 'status.currentReplicas', 0);
  const updated = int(object, 'status.updatedReplicas', 0);
  const partition = int(object, 'spec.updateStrategy.rollingUpdate.partition', -1);
  if (spec > replicas) return inProgress(`Replicas: ${replicas}/${spec}`);
  if (spec > ready) return inProgress(`Ready: ${ready}/${spec}`);
  if (replicas > spec) return inProgress(`Pending termination: ${replicas - spec}`);
  if (partition !== -1) {
    if (updated < spec - partition) return inProgress(`Partitioned roll out in progress. Updated: ${updated}/${spec - partition}`);
    return current(`Partitioned roll out complete. Updated: ${updated}`);
  }
  if (spec > currentReplicas) return inProgress(`Current: ${currentReplicas}/${spec}`);
  if (str(object, 'status.currentRevision') !== str(object, 'status.updateRevision')) return inProgress('waiting for the updated revision');
  return current(`All replicas scheduled as expected. Replicas: ${spec}`);
}

function daemonSet(object: KubeObject): Health {
  const desired = int(object, 'status.desiredNumberScheduled', -1);
  if (desired === -1) return inProgress('missing status.desiredNumberScheduled');
  const scheduled = int(object, 'status.currentNumberScheduled', 0);
  const updated = int(object, 'status.updatedNumberScheduled', 0);
  const availableNumber = int(object, 'status.numberAvailable', 0);
  const ready = int(object, 'status.numberReady', 0);
  if (desired > scheduled) return inProgress(`Current: ${scheduled}/${desired}`);
  if (desired > updated) return inProgress(`Updated: ${updated}/${desired}`);
  if (desired > availableNumber) return inProgress(`Available: ${availableNumber}/${desired}`);
  if (desired > ready) return inProgress(`Ready: ${ready}/${desired}`);
  return current(`All replicas scheduled as expected. Replicas: ${desired}`);
}

function job(object: KubeObject): Health {
  const completions = int(object, 'spec.completions', int(object, 'spec.parallelism', 1));
  const succeeded = int(object, 'status.succeeded', 0);
  const active = int(object, 'status.active', 0);
  const failedPods = int(object, 'status.failed', 0);
  for (const cond of conditionsOf(object)) {
    if (cond.status !== 'True') continue;
    if (cond.type === 'Complete') return current(`Job completed. Succeeded: ${succeeded}/${completions}`);
    if (cond.type === 'Failed') return failed(`Job failed: ${said(cond, 'Failed')}. Failed: ${failedPods}`);
  }
  if (str(object, 'status.startTime') === undefined) return inProgress('Job not started');
  return inProgress(`Job in progress. Succeeded: ${succeeded}/${completions}, active: ${active}, failed: ${failedPods}`);
}

const CRASHING = new Set(['CrashLoopBackOff', 'InvalidImageName']);

function pod(object: KubeObject): Health {
  const phase = str(object, 'status.phase');
  if (phase === 'Succeeded') return current('Pod has completed successfully');
  if (phase === 'Failed') return failed(`Pod has completed, but not successfully${str(object, 'status.reason') ? `: ${str(object, 'status.reason')}` : ''}`);
  const statuses = [...arrayOf(field(object, 'status.initContainerStatuses')), ...arrayOf(field(object, 'status.containerStatuses'))] as {
    name?: string;
    state?: { waiting?: { reason?: string } };
  }[];
  const crashing = statuses.filter((status) => CRASHING.has(status.state?.waiting?.reason ?? '')).map((status) => `${status.name} (${status.state?.waiting?.reason})`);
  if (phase === 'Running') {
    if (condition(object, 'Ready')?.status === 'True') return current('Pod is Ready');
    if (crashing.length > 0) return failed(`containers failing: ${crashing.join(', ')}`);
    return inProgress('Pod is running but is not Ready');
  }
  if (crashing.length > 0) return failed(`containers failing: ${crashing.join(', ')}`);
  if (phase === 'Pending') {
    const scheduled = condition(object, 'PodScheduled');
    if (scheduled?.status === 'False' && scheduled.reason === 'Unschedulable') return inProgress(`Pod could not be scheduled: ${scheduled.message ?? ''}`.trim());
    return inProgress('Pod is Pending');
  }
  return inProgress('Pod phase not available');
}

function arrayOf(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

function persistentVolumeClaim(object: KubeObject): Health {
  const phase = str(object, 'status.phase');
  return phase === 'Bound' ? current('PVC is Bound') : inProgress(`PVC is not Bound. Phase: ${phase ?? 'unknown'}`);
}

function customResourceDefinition(object: KubeObject): Health {
  const names = condition(object, 'NamesAccepted');
  if (names?.status === 'False') return failed(`names not accepted: ${said(names, 'NamesNotAccepted')}`);
  const established = condition(object, 'Established');
  if (established?.status === 'True') return current('CRD is Established');
  return inProgress(established ? `not Established: ${said(established, 'pending')}` : 'not Established yet');
}

/** `status.loadBalancer.ingress[*]` with an ip or hostname, the address a load balancer assigned. */
function loadBalancerAddresses(object: KubeObject): string[] {
  return arrayOf(field(object, 'status.loadBalancer.ingress'))
    .map((entry) => str(entry, 'ip') ?? str(entry, 'hostname'))
    .filter((address): address is string => address !== undefined && address !== '');
}

function service(object: KubeObject): Health {
  if (str(object, 'spec.type') !== 'LoadBalancer') return current('Service is ready');
  const addresses = loadBalancerAddresses(object);
  return addresses.length > 0 ? current(`load balancer address: ${addresses.join(', ')}`) : inProgress('waiting for a load balancer address');
}

function ingress(object: KubeObject): Health {
  const addresses = loadBalancerAddresses(object);
  return addresses.length > 0 ? current(`Ingress address: ${addresses.join(', ')}`) : inProgress('waiting for an Ingress address');
}

/** Flagger's `status.phase`: only a finished analysis (or a first initialisation) counts as Current. */
const CANARY_CURRENT = new Set(['Succeeded', 'Initialized']);

function canary(object: KubeObject): Health {
  const phase = str(object, 'status.phase');
  const promoted = condition(object, 'Promoted');
  const detail = promoted?.message ? `: ${promoted.message}` : '';
  if (phase === 'Failed') return failed(`Canary analysis failed${detail}`);
  if (phase !== undefined && CANARY_CURRENT.has(phase)) return current(`Canary ${phase}${detail}`);
  return inProgress(`Canary ${phase ?? 'not initialized yet'}${detail}`);
}

/** cert-manager: `Ready`; a Certificate whose `Issuing` failed is Failed (cert-manager backs off before retrying). */
function certManager(object: KubeObject): Health {
  if (object.kind === 'Certificate') {
    const issuing = condition(object, 'Issuing');
    if (issuing?.status === 'False' && issuing.reason === 'Failed') return failed(`issuing failed: ${said(issuing, 'Failed')}`);
  }
  const ready = condition(object, 'Ready');
  if (ready?.status === 'True') return current(said(ready, 'Ready'));
  if (ready === undefined) return inProgress(`${object.kind} has no Ready condition yet`);
  return inProgress(`${object.kind} not Ready: ${said(ready, 'pending')}`);
}

/** HPA: unable to scale is Failed; metrics not yet readable (ScalingActive=False) is InProgress. */
function horizontalPodAutoscaler(object: KubeObject): Health {
  const able = condition(object, 'AbleToScale');
  if (able?.status === 'False') return failed(`unable to scale: ${said(able, 'AbleToScale=False')}`);
  const active = condition(object, 'ScalingActive');
  if (active?.status === 'False' && active.reason !== 'ScalingDisabled') return inProgress(`scaling not active: ${said(active, 'ScalingActive=False')}`);
  if (able === undefined) return inProgress('HPA not reconciled yet');
  return current(`HPA is scaling. Replicas: ${int(object, 'status.currentReplicas', 0)}/${int(object, 'status.desiredReplicas', 0)}`);
}

function apiService(object: KubeObject): Health {
  const available = condition(object, 'Available');
  if (available?.status === 'True') return current('APIService is Available');
  return inProgress(available ? `APIService not Available: ${said(available, 'unavailable')}` : 'APIService has no Available condition yet');
}

/**
 * Strata's own kinds (and any Flux-like kind): Ready is only believed when the
 * condition's own observedGeneration is the object's generation; Ready=False
 * with nothing reconciling is Failed (Stalled and Reconciling are the generic rules).
 */
function strataReady(object: KubeObject): Health {
  const ready = condition(object, 'Ready') as (Condition & { observedGeneration?: number }) | undefined;
  const generation = field(object, 'metadata.generation');
  if (ready === undefined) return inProgress(`${object.kind} not reconciled yet`);
  if (typeof generation === 'number' && typeof ready.observedGeneration === 'number' && ready.observedGeneration < generation) {
    return inProgress(`Ready is for generation ${ready.observedGeneration}, not ${generation}`);
  }
  if (ready.status === 'True') return current(said(ready, 'Ready'));
  if (ready.status === 'False') return failed(`${ready.reason ? `${ready.reason}: ` : ''}${ready.message ?? 'not Ready'}`);
  return inProgress(ready.message ? `Ready unknown: ${ready.message}` : 'Ready unknown');
}

function podDisruptionBudget(object: KubeObject): Health {
  const desired = int(object, 'status.desiredHealthy', 0);
  const healthy = int(object, 'status.currentHealthy', 0);
  if (healthy < desired) return inProgress(`Budget not met. Healthy: ${healthy}/${desired}`);
  return current(`Budget is met. Healthy: ${healthy}/${desired}`);
}

function namespace(object: KubeObject): Health {
  const phase = str(object, 'status.phase');
  return phase === 'Terminating' ? { status: 'Terminating', message: 'Namespace is terminating' } : current('Namespace is active');
}

/** The fallback: the `Ready` condition when there is one, else Current (the object exists). */
function readyCondition(object: KubeObject): Health {
  const ready = condition(object, 'Ready');
  if (ready === undefined) return current('Resource is current');
  if (ready.status === 'True') return current(said(ready, 'Ready'));
  if (ready.status === 'False') return inProgress(said(ready, 'not Ready'));
  return inProgress(ready.message ? `Ready unknown: ${ready.message}` : 'Ready unknown');
}

/** `group/Kind` of an apiVersion and kind, the key of the rule tables (core group empty). */
export function groupKindOf(apiVersion: string, kind: string): string {
  const slash = apiVersion.indexOf('/');
  return `${slash < 0 ? '' : apiVersion.slice(0, slash)}/${kind}`;
}

/** Per-kind rules, keyed `group/Kind` (core group empty). */
export const HEALTH_RULES: ReadonlyMap<string, HealthRule> = new Map<string, HealthRule>([
  ['apps/Deployment', deployment],
  ['apps/ReplicaSet', replicaSet],
  ['apps/StatefulSet', statefulSet],
  ['apps/DaemonSet', daemonSet],
  ['batch/Job', job],
  ['/Pod', pod],
  ['/PersistentVolumeClaim', persistentVolumeClaim],
  ['/Service', service],
  ['/Namespace', namespace],
  ['policy/PodDisruptionBudget', podDisruptionBudget],
  ['apiextensions.k8s.io/CustomResourceDefinition', customResourceDefinition],
  ['networking.k8s.io/Ingress', ingress],
  ['autoscaling/HorizontalPodAutoscaler', horizontalPodAutoscaler],
  ['apiregistration.k8s.io/APIService', apiService],
  ['flagger.app/Canary', canary],
  ['cert-manager.io/Certificate', certManager],
  ['cert-manager.io/Issuer', certManager],
  ['cert-manager.io/ClusterIssuer', certManager],
  ['strata.dev/Sync', strataReady],
  ['strata.dev/ImageUpdate', strataReady],
]);

/**
 * The health of a live object; `undefined` (not found) is NotFound. `rules` (a Sync's
 * `healthCheckExprs`, keyed `group/Kind`) replace the generic condition rules and the
 * built-in rule of their kind; deletion and an unobserved generation still come first.
 */
export function computeHealth(live: KubeObject | undefined, rules?: ReadonlyMap<string, HealthRule>): Health {
  if (live === undefined) return { status: 'NotFound', message: 'not found' };
  const key = groupKindOf(live.apiVersion, live.kind);
  const custom = rules?.get(key);
  for (const rule of custom ? LIFECYCLE_RULES : GENERIC_RULES) {
    const health = rule(live);
    if (health) return health;
  }
  return (custom ?? HEALTH_RULES.get(key) ?? readyCondition)(live);
}
