/**
 * What Helm means by its annotations, mapped onto Strata's (a rule table, applied to every
 * rendered object):
 *
 * | Helm                                               | Strata                                              |
 * | -------------------------------------------------- | --------------------------------------------------- |
 * | `helm.sh/resource-policy: keep`                    | `strata.dev/prune: disabled` (never pruned)         |
 * | `helm.sh/hook: pre-install` / `pre-upgrade`        | `strata.dev/hook: pre-apply` (applied, waited for, before the rest) |
 * | `helm.sh/hook: post-install` / `post-upgrade`      | `strata.dev/hook: post-apply` (after the rest is ready) |
 * | `helm.sh/hook-delete-policy: before-hook-creation,hook-succeeded,hook-failed` | `strata.dev/hook-delete-policy: before-creation,succeeded,failed` |
 * | `helm.sh/hook: test` (`test-success`, `test-failure`) | dropped: `helm test` has no place in GitOps       |
 * | `helm.sh/hook: pre-/post-delete`, `-rollback` only | dropped: a Sync neither uninstalls nor rolls back a release |
 *
 * `lookup` renders empty (`helm template` has no cluster), so a chart that reuses a live
 * Secret through it generates a new one on every render: give such values explicitly.
 */
import { HOOK_ANNOTATION, HOOK_DELETE_POLICY_ANNOTATION, PRUNE_ANNOTATION } from '../api/index.ts';

// The Strata names live in src/api/annotations.ts (the agent reads them); re-exported for the charts' surface.
export { HOOK_ANNOTATION, HOOK_DELETE_POLICY_ANNOTATION, PRUNE_ANNOTATION };
const HELM_HOOK = 'helm.sh/hook';
const HELM_RESOURCE_POLICY = 'helm.sh/resource-policy';
const HELM_DELETE_POLICY = 'helm.sh/hook-delete-policy';

/** Helm hook delete policy → the agent's. */
const DELETE_POLICIES: Readonly<Record<string, string>> = { 'before-hook-creation': 'before-creation', 'hook-succeeded': 'succeeded', 'hook-failed': 'failed' };

type Mapping = 'pre-apply' | 'post-apply' | 'drop';

/** Helm hook → what becomes of the object; the first hook of an object that maps wins. */
const HOOKS: Readonly<Record<string, Mapping>> = {
  'pre-install': 'pre-apply',
  'pre-upgrade': 'pre-apply',
  'post-install': 'post-apply',
  'post-upgrade': 'post-apply',
  test: 'drop',
  'test-success': 'drop',
  'test-failure': 'drop',
  'pre-delete': 'drop',
  'post-delete': 'drop',
  'pre-rollback': 'drop',
  'post-rollback': 'drop',
};

const ORDER: readonly Mapping[] = ['pre-apply', 'post-apply', 'drop'];

/** The object with Strata's annotations added, or undefined when it is dropped. */
export function mapHelmSemantics<T extends { metadata?: Record<string, unknown> }>(object: T): T | undefined {
  const annotations = (object.metadata?.['annotations'] ?? {}) as Record<string, unknown>;
  const added: Record<string, string> = {};
  const hook = annotations[HELM_HOOK];
  if (typeof hook === 'string') {
    const mappings = hook.split(',').map((h) => HOOKS[h.trim()] ?? 'drop');
    const mapping = ORDER.find((m) => mappings.includes(m))!;
    if (mapping === 'drop') return undefined;
    added[HOOK_ANNOTATION] = mapping;
    const policy = annotations[HELM_DELETE_POLICY];
    if (typeof policy === 'string') {
      const mapped = policy.split(',').flatMap((p) => DELETE_POLICIES[p.trim()] ?? []);
      if (mapped.length > 0) added[HOOK_DELETE_POLICY_ANNOTATION] = mapped.join(',');
    }
  }
  if (annotations[HELM_RESOURCE_POLICY] === 'keep') added[PRUNE_ANNOTATION] = 'disabled';
  if (Object.keys(added).length === 0) return object;
  return { ...object, metadata: { ...object.metadata, annotations: { ...annotations, ...added } } };
}
