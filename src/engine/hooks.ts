/**
 * Hooks: objects annotated `strata.dev/hook: pre-apply | post-apply | on-failure` (Argo CD's
 * PreSync/PostSync/SyncFail, Helm's pre-/post-install) are taken out of the revision and run
 * around it: a Job or Pod is (re)created for the revision and waited for until it completed
 * or failed. They are not in the inventory (never pruned, never drift-corrected).
 *
 * One run per revision: the agent writes `strata.dev/hook-revision` on what it creates; a hook
 * whose live object completed for this revision is not run again, one that failed for it is
 * reported failed again (not re-run) unless `rerunFailed`; anything else (absent, or from an
 * earlier revision) is deleted and created anew. `strata.dev/hook-delete-policy` says when the
 * agent deletes it: `before-creation` (default: the last run stays for inspection), `succeeded`,
 * `failed`. Hooks of other kinds (the ServiceAccount or Role of a Helm chart's hook Job) are
 * applied before the Jobs and Pods of their phase and deleted by the same policy.
 */
import pLimit from 'p-limit';
import { ManifestSet, describeRef, type KubeObject, type ManifestEntry, type ObjectRef } from '../manifest/index.ts';
import {
  FIELD_MANAGER,
  HOOK_KINDS,
  HOOK_REVISION_ANNOTATION,
  OrderingAnnotationError,
  formatDuration,
  hookOf,
  ownedByAnother,
  withOwnerLabels,
  type Hook,
  type HookPhase,
} from '../api/index.ts';
import type { KubeClient } from '../kube/index.ts';
import { ObjectError } from './apply.ts';
import { OrderingError } from './waves.ts';
import { messageOf, sleep } from './_util.ts';

/** A hook object of a revision. */
export interface HookObject extends Hook {
  readonly ref: ObjectRef;
  readonly subject: string;
  readonly object: KubeObject;
}

/** The revision without its hooks, and the hooks. */
export interface SplitRevision {
  readonly set: ManifestSet;
  readonly hooks: readonly HookObject[];
}

/** Takes the hooks out of a set; throws OrderingError with every object whose hook annotations do not parse. */
export function splitHooks(set: ManifestSet): SplitRevision {
  const hooks: HookObject[] = [];
  const rest: ManifestEntry[] = [];
  const errors: ObjectError[] = [];
  for (const entry of set.entries) {
    let hook: Hook | undefined;
    try {
      hook = hookOf(entry.object);
    } catch (error) {
      if (!(error instanceof OrderingAnnotationError)) throw error;
      errors.push(new ObjectError(entry.ref, `${entry.source ?? entry.file}: ${error.message}`, { cause: error }));
      continue;
    }
    if (hook) hooks.push({ ...hook, ref: entry.ref, subject: describeRef(entry.ref), object: entry.object });
    else rest.push(entry);
  }
  if (errors.length > 0) throw new OrderingError(errors);
  if (hooks.length === 0) return { set, hooks };
  return { set: ManifestSet.of(rest.map((entry) => (entry.source === undefined ? { object: entry.object } : { object: entry.object, source: entry.source }))), hooks };
}

/** The hooks of one phase. */
export function hooksOf(hooks: readonly HookObject[], phase: HookPhase): HookObject[] {
  return hooks.filter((hook) => hook.phase === phase);
}

/** True for the hooks the agent waits for to complete (Jobs and Pods). */
export function runsToCompletion(ref: ObjectRef): boolean {
  return HOOK_KINDS.includes(`${ref.group}/${ref.kind}`);
}

/** A Job's or Pod's pod spec. */
function podSpecOf(object: KubeObject): Record<string, unknown> | undefined {
  const spec = object['spec'] as { template?: { spec?: Record<string, unknown> } } & Record<string, unknown> | undefined;
  return object.kind === 'Pod' ? spec : spec?.template?.spec;
}

/** Names of the ServiceAccount, ConfigMaps and Secrets a pod spec refers to, as `Kind/name`. */
function podReferences(spec: Record<string, unknown> | undefined): Set<string> {
  const found = new Set<string>();
  if (!spec) return found;
  const add = (kind: string, name: unknown): void => {
    if (typeof name === 'string' && name !== '') found.add(`${kind}/${name}`);
  };
  add('ServiceAccount', spec['serviceAccountName'] ?? 'default');
  for (const secret of (spec['imagePullSecrets'] as { name?: string }[] | undefined) ?? []) add('Secret', secret.name);
  type Source = { configMap?: { name?: string }; secret?: { secretName?: string; name?: string }; projected?: { sources?: Source[] } };
  const volume = (source: Source): void => {
    add('ConfigMap', source.configMap?.name);
    add('Secret', source.secret?.secretName ?? source.secret?.name);
    for (const inner of source.projected?.sources ?? []) volume(inner);
  };
  for (const item of (spec['volumes'] as Source[] | undefined) ?? []) volume(item);
  type Container = {
    env?: { valueFrom?: { configMapKeyRef?: { name?: string }; secretKeyRef?: { name?: string } } }[];
    envFrom?: { configMapRef?: { name?: string }; secretRef?: { name?: string } }[];
  };
  const containers = [...((spec['initContainers'] as Container[] | undefined) ?? []), ...((spec['containers'] as Container[] | undefined) ?? [])];
  for (const container of containers) {
    for (const env of container.env ?? []) {
      add('ConfigMap', env.valueFrom?.configMapKeyRef?.name);
      add('Secret', env.valueFrom?.secretKeyRef?.name);
    }
    for (const from of container.envFrom ?? []) {
      add('ConfigMap', from.configMapRef?.name);
      add('Secret', from.secretRef?.name);
    }
  }
  return found;
}

/**
 * The objects of the revision that its hooks need to run at all, applied just before them: each
 * hook's Namespace, and the ServiceAccount, ConfigMaps and Secrets its pod template names. Nothing
 * else of the revision is applied before its pre-apply hooks completed.
 */
export function hookPrerequisites(set: ManifestSet, hooks: readonly HookObject[]): ManifestSet {
  const needed = new Set<string>();
  for (const hook of hooks) {
    if (hook.ref.namespace !== '') needed.add(`/Namespace//${hook.ref.namespace}`);
    for (const reference of podReferences(podSpecOf(hook.object))) needed.add(`/${reference.replace('/', `/${hook.ref.namespace}/`)}`);
  }
  const entries = set.entries.filter((entry) => entry.ref.group === '' && needed.has(`/${entry.ref.kind}/${entry.ref.namespace}/${entry.ref.name}`));
  return ManifestSet.of(entries.map((entry) => (entry.source === undefined ? { object: entry.object } : { object: entry.object, source: entry.source })));
}

/** Options of {@link runHooks}. */
export interface HookOptions {
  /** The revision the hooks run for (written on what is created). */
  readonly revision: string;
  /** Give up waiting for the hooks after this long. */
  readonly timeoutMs: number;
  /** Labels naming the Sync, put on every hook object. @default none */
  readonly ownerLabels?: Readonly<Record<string, string>>;
  /** Act as this user. @default the client's own user */
  readonly impersonate?: string;
  readonly signal?: AbortSignal;
  /**
   * Run hooks again that failed for this same revision (an explicit `strata reconcile`), instead
   * of reporting the failure again.
   * @default false
   */
  readonly rerunFailed?: boolean;
  /** @default FIELD_MANAGER ('strata') */
  readonly fieldManager?: string;
  /**
   * Pause between two reads of a running hook.
   * @default 500
   */
  readonly intervalMs?: number;
}

export const DEFAULT_HOOK_OPTIONS = { rerunFailed: false, fieldManager: FIELD_MANAGER, intervalMs: 500 } as const;

/** How one hook ended. */
export interface HookResult {
  readonly ref: ObjectRef;
  readonly subject: string;
  /** `created`: run now; `unchanged`: had completed for this revision; `applied`: a hook of another kind. */
  readonly action: 'created' | 'unchanged' | 'applied';
  readonly outcome: 'Succeeded' | 'Failed';
  readonly message: string;
}

/** Some hooks failed or did not finish in time; one ObjectError per hook, and every result. */
export class HookError extends AggregateError {
  override readonly name = 'HookError';
  declare errors: ObjectError[];
  constructor(
    errors: readonly ObjectError[],
    readonly results: readonly HookResult[],
  ) {
    super(errors, errors.map((error) => error.message).join('\n'));
    this.errors = [...errors];
  }
}

type Completion = { readonly state: 'Succeeded' | 'Failed' | 'Running'; readonly message: string };

interface Condition {
  readonly type?: string;
  readonly status?: string;
  readonly reason?: string;
  readonly message?: string;
}

/** Whether a Job or Pod finished, and how. */
function completionOf(live: KubeObject): Completion {
  const status = (live['status'] ?? {}) as { conditions?: Condition[]; phase?: string; message?: string; reason?: string };
  if (live.kind === 'Pod') {
    if (status.phase === 'Succeeded') return { state: 'Succeeded', message: 'Pod succeeded' };
    if (status.phase === 'Failed') return { state: 'Failed', message: `Pod failed${status.reason ? `: ${status.reason}` : ''}` };
    return { state: 'Running', message: `Pod is ${status.phase ?? 'Pending'}` };
  }
  for (const condition of status.conditions ?? []) {
    if (condition.status !== 'True') continue;
    if (condition.type === 'Complete') return { state: 'Succeeded', message: 'Job completed' };
    if (condition.type === 'Failed') return { state: 'Failed', message: `Job failed: ${condition.message || condition.reason || 'Failed'}` };
  }
  return { state: 'Running', message: 'Job has not completed' };
}

type ContainerStatus = { name?: string; state?: { terminated?: { exitCode?: number; reason?: string; message?: string }; waiting?: { reason?: string; message?: string } } };

/** What a pod said last: the terminated (or waiting) state of its containers, else its status message. */
function podMessage(pod: KubeObject): string | undefined {
  const status = (pod['status'] ?? {}) as { containerStatuses?: ContainerStatus[]; initContainerStatuses?: ContainerStatus[]; message?: string; reason?: string };
  const parts: string[] = [];
  for (const container of [...(status.initContainerStatuses ?? []), ...(status.containerStatuses ?? [])]) {
    const terminated = container.state?.terminated;
    if (terminated && terminated.exitCode !== 0) {
      parts.push(`container ${container.name} exited with code ${terminated.exitCode}${terminated.reason ? ` (${terminated.reason})` : ''}${terminated.message ? `: ${terminated.message.trim()}` : ''}`);
    }
    const waiting = container.state?.waiting;
    if (waiting?.reason) parts.push(`container ${container.name} waiting: ${waiting.reason}${waiting.message ? `: ${waiting.message}` : ''}`);
  }
  if (parts.length === 0 && (status.message || status.reason)) parts.push(status.message ?? status.reason ?? '');
  return parts.length === 0 ? undefined : `pod ${pod.metadata.name}: ${parts.join('; ')}`;
}

/** The last message of a hook's pod (the newest pod of a Job), when one can be read. */
async function lastPodMessage(api: KubeClient, live: KubeObject, signal: AbortSignal | undefined): Promise<string | undefined> {
  if (live.kind === 'Pod') return podMessage(live);
  const uid = live.metadata.uid;
  if (typeof uid !== 'string') return undefined;
  try {
    const info = await api.resource('v1', 'Pod', signal);
    const pods = (await api.list(info, live.metadata.namespace, { labelSelector: `batch.kubernetes.io/controller-uid=${uid}`, signal })).items;
    pods.sort((a, b) => String(b.metadata.creationTimestamp ?? '').localeCompare(String(a.metadata.creationTimestamp ?? '')));
    for (const pod of pods) {
      const message = podMessage(pod);
      if (message) return message;
    }
  } catch {
    // Without the right to list pods the Job's own message has to do.
  }
  return undefined;
}

/**
 * Runs the hooks of one phase: the other kinds applied first, then every Job and Pod (re)created
 * for the revision at once and waited for. Resolves with one result per hook when all succeeded;
 * throws HookError (one ObjectError naming each failed hook and its pod's last message) otherwise.
 */
export async function runHooks(client: KubeClient, hooks: readonly HookObject[], options: HookOptions): Promise<HookResult[]> {
  const api = client.impersonating(options.impersonate);
  const signal = options.signal;
  const fieldManager = options.fieldManager ?? DEFAULT_HOOK_OPTIONS.fieldManager;
  const deadline = Date.now() + options.timeoutMs;
  const results: HookResult[] = [];
  const errors: ObjectError[] = [];
  const marked = (hook: HookObject): KubeObject => {
    const object = withOwnerLabels(hook.object, options.ownerLabels);
    return { ...object, metadata: { ...object.metadata, annotations: { ...object.metadata.annotations, [HOOK_REVISION_ANNOTATION]: options.revision } } };
  };

  const others = hooks.filter((hook) => !runsToCompletion(hook.ref));
  for (const hook of others) {
    try {
      refuseOwnedByAnother(hook, await api.get(hook.ref, signal), options);
      await api.apply(marked(hook), { fieldManager, force: true, signal });
      results.push({ ref: hook.ref, subject: hook.subject, action: 'applied', outcome: 'Succeeded', message: 'applied' });
    } catch (error) {
      if (signal?.aborted) throw signal.reason;
      errors.push(error instanceof ObjectError ? error : new ObjectError(hook.ref, `${hook.phase} hook not applied: ${messageOf(error)}`, { cause: error }));
    }
  }
  if (errors.length > 0) throw new HookError(errors, results);

  const limit = pLimit(8);
  const outcomes = await Promise.all(
    hooks.filter((hook) => runsToCompletion(hook.ref)).map((hook) => limit(() => runOne(api, hook, marked(hook), options, deadline))),
  );
  for (const outcome of outcomes) {
    if (outcome instanceof ObjectError) errors.push(outcome);
    else results.push(outcome);
  }
  // The other kinds follow the outcome of their phase's Jobs and Pods.
  const succeeded = errors.length === 0;
  for (const hook of others) {
    if (hook.deletePolicies.includes(succeeded ? 'succeeded' : 'failed')) await api.delete(hook.ref, { propagationPolicy: 'Background', signal }).catch(() => undefined);
  }
  if (!succeeded) throw new HookError(errors, results);
  return results;
}

async function runOne(api: KubeClient, hook: HookObject, desired: KubeObject, options: HookOptions, deadline: number): Promise<HookResult | ObjectError> {
  const signal = options.signal;
  const fail = (message: string, cause?: unknown): ObjectError => new ObjectError(hook.ref, `${hook.phase} hook: ${message}`, cause === undefined ? undefined : { cause });
  try {
    let live = await api.get(hook.ref, signal);
    refuseOwnedByAnother(hook, live, options);
    let action: HookResult['action'] = 'created';
    const forThisRevision = live?.metadata.annotations?.[HOOK_REVISION_ANNOTATION] === options.revision && !live.metadata.deletionTimestamp;
    const before = live && forThisRevision ? completionOf(live) : undefined;
    if (before?.state === 'Succeeded') return { ref: hook.ref, subject: hook.subject, action: 'unchanged', outcome: 'Succeeded', message: `${before.message} for this revision` };
    if (live && forThisRevision && (before?.state === 'Running' || !(options.rerunFailed ?? DEFAULT_HOOK_OPTIONS.rerunFailed))) {
      // Started by an earlier run of this revision (the agent restarted), or failed for it: not run again.
      action = 'unchanged';
    } else {
      if (live) await deleteAndWait(api, hook.ref, live.metadata.uid as string | undefined, deadline, signal);
      live = (await api.apply(desired, { fieldManager: options.fieldManager ?? DEFAULT_HOOK_OPTIONS.fieldManager, force: true, signal })).object;
    }
    for (;;) {
      const completion = completionOf(live!);
      if (completion.state !== 'Running') {
        const pod = completion.state === 'Failed' ? await lastPodMessage(api, live!, signal) : undefined;
        if (hook.deletePolicies.includes(completion.state === 'Succeeded' ? 'succeeded' : 'failed')) {
          await api.delete(hook.ref, { propagationPolicy: 'Background', uid: live!.metadata.uid as string, signal }).catch(() => undefined);
        }
        const message = `${completion.message}${pod ? `; ${pod}` : ''}`;
        if (completion.state === 'Failed') return fail(`${message}${action === 'unchanged' ? ' (for this revision; `strata reconcile` runs it again)' : ''}`);
        return { ref: hook.ref, subject: hook.subject, action, outcome: 'Succeeded', message };
      }
      if (Date.now() >= deadline) {
        const pod = await lastPodMessage(api, live!, signal);
        return fail(`not completed after ${formatDuration(options.timeoutMs)}: ${completion.message}${pod ? `; ${pod}` : ''}`);
      }
      await sleep(Math.min(options.intervalMs ?? DEFAULT_HOOK_OPTIONS.intervalMs, Math.max(0, deadline - Date.now())), signal);
      const next = await api.get(hook.ref, signal);
      if (!next) return fail('deleted while it ran');
      live = next;
    }
  } catch (error) {
    if (signal?.aborted) throw signal.reason;
    return error instanceof ObjectError ? error : fail(messageOf(error), error);
  }
}

/** One object belongs to one Sync: a hook another Sync created is not taken over. */
function refuseOwnedByAnother(hook: HookObject, live: KubeObject | undefined, options: HookOptions): void {
  const other = live ? ownedByAnother(live, options.ownerLabels) : undefined;
  if (other !== undefined) throw new ObjectError(hook.ref, `${hook.phase} hook: already owned by Sync ${other}; an object belongs to one Sync`);
}

/** Deletes the last run of a hook (its pods with it) and waits until it is gone. */
async function deleteAndWait(api: KubeClient, ref: ObjectRef, uid: string | undefined, deadline: number, signal: AbortSignal | undefined): Promise<void> {
  await api.delete(ref, { propagationPolicy: 'Background', ...(uid === undefined ? {} : { uid }), signal });
  for (;;) {
    const live = await api.get(ref, signal);
    if (!live || live.metadata.uid !== uid) return;
    if (Date.now() > deadline) throw new Error(`the last run was deleted but is still present (finalizers: ${JSON.stringify(live.metadata.finalizers ?? [])})`);
    await sleep(100, signal);
  }
}
