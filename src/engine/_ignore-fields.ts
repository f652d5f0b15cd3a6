/**
 * @internal Fields another controller owns (`strata.dev/ignore-fields`, Argo CD's
 * `ignoreDifferences` with RespectIgnoreDifferences): an HPA's `/spec/replicas`, Flagger
 * scaling its target to zero, a value a mutating webhook or an operator keeps.
 *
 * Git's value is applied when the object is created. Afterwards the intent Strata applies
 * holds, for each ignored field, what the live object holds, and only while Strata still owns
 * it; once another manager has taken it (the HPA's scale, `kubectl edit`), the field leaves the
 * intent, so server-side apply leaves it to them and Strata never owns it again. Keeping the
 * live value while Strata owns it matters: a field its only owner stops applying is removed
 * (a Deployment's replicas would fall back to 1). Either way the dry-run shows no difference in
 * the field, so apply, `strata diff` and drift correction never revert it, and the drift watch
 * does not count its loss as drift ({@link ignoredFieldPaths}).
 */
import { ignoredFieldsOf } from '../api/index.ts';
import type { KubeObject } from '../manifest/index.ts';
import { appliedPaths } from './_compare.ts';

type Json = Record<string, unknown>;

const isRecord = (value: unknown): value is Json => value !== null && typeof value === 'object' && !Array.isArray(value);

/** The value at `tokens`, or undefined. */
function valueAt(root: unknown, tokens: readonly string[]): unknown {
  let value = root;
  for (const token of tokens) {
    if (Array.isArray(value)) value = /^(0|[1-9][0-9]*)$/.test(token) ? value[Number(token)] : undefined;
    else if (isRecord(value)) value = value[token];
    else return undefined;
  }
  return value;
}

/** Sets the value at `tokens` in `root` (a clone the caller owns), creating maps on the way; false when a list or scalar is in the way. */
function setAt(root: Json, tokens: readonly string[], value: unknown): boolean {
  let node: unknown = root;
  for (const [index, token] of tokens.entries()) {
    const last = index === tokens.length - 1;
    if (Array.isArray(node)) {
      const at = Number(token);
      if (!/^(0|[1-9][0-9]*)$/.test(token) || at >= node.length) return false;
      if (last) node[at] = value;
      else node = node[at];
    } else if (isRecord(node)) {
      if (last) node[token] = value;
      else {
        if (node[token] === undefined) node[token] = {};
        node = node[token];
      }
    } else return false;
  }
  return true;
}

/** Removes the map key at `tokens`; list elements are never removed (that would shift the others). */
function removeAt(root: Json, tokens: readonly string[]): void {
  const parent = valueAt(root, tokens.slice(0, -1));
  if (isRecord(parent)) delete parent[tokens[tokens.length - 1] ?? ''];
}

/**
 * The `fieldsV1` path of a pointer in `object` (`/spec/replicas` → `f:spec.f:replicas`); `exact`
 * is false when it had to stop at a list whose element it cannot name (lists keyed by `name`,
 * as containers, env and volumes are, it can).
 */
function fieldsPathOf(tokens: readonly string[], object: unknown): { readonly path: string; readonly exact: boolean } {
  const parts: string[] = [];
  let value = object;
  for (const token of tokens) {
    if (Array.isArray(value)) {
      const element: unknown = /^(0|[1-9][0-9]*)$/.test(token) ? value[Number(token)] : undefined;
      if (!isRecord(element) || typeof element.name !== 'string') return { path: parts.join('.'), exact: false };
      parts.push(`k:${JSON.stringify({ name: element.name })}`);
      value = element;
    } else {
      parts.push(`f:${token}`);
      value = isRecord(value) ? value[token] : undefined;
    }
  }
  return { path: parts.join('.'), exact: true };
}

/** The ignored fields of the object in Git and of the live object (an operator may annotate the live one). */
function pointersOf(intent: KubeObject, live: KubeObject | null | undefined): readonly (readonly string[])[] {
  const fromGit = ignoredFieldsOf(intent);
  if (fromGit.problems.length > 0) throw new Error(`metadata.annotations["strata.dev/ignore-fields"]: ${fromGit.problems.join('; ')}`);
  const seen = new Set(fromGit.pointers.map((tokens) => tokens.join('/')));
  // A bad pointer on the live object is someone's typo outside Git: skipped, not fatal.
  return [...fromGit.pointers, ...ignoredFieldsOf(live).pointers.filter((tokens) => !seen.has(tokens.join('/')))];
}

/**
 * What to apply of `intent` given the live object: unchanged when it is absent (created from
 * Git) or nothing is ignored; else each ignored field as the live object holds it while
 * `fieldManager` owns it there, and left out once another manager took it or it is gone.
 * Throws when the annotation in Git holds something that is not a JSON pointer.
 */
export function withIgnoredFields(intent: KubeObject, live: KubeObject | null | undefined, fieldManager: string): KubeObject {
  const pointers = pointersOf(intent, live);
  if (pointers.length === 0 || !live) return intent;
  const result = structuredClone(intent) as unknown as Json;
  const owned = appliedPaths(live, fieldManager) ?? new Set<string>();
  for (const tokens of pointers) {
    const liveValue = valueAt(live, tokens);
    const { path, exact } = fieldsPathOf(tokens, live);
    const ours = !exact || owned.has(path);
    const inList = Array.isArray(valueAt(live, tokens.slice(0, -1)));
    if (liveValue !== undefined && (ours || inList)) setAt(result, tokens, structuredClone(liveValue));
    else if (!inList) removeAt(result, tokens);
  }
  return result as unknown as KubeObject;
}

/** True when the object (in Git) ignores any field. */
export function ignoresFields(object: KubeObject): boolean {
  return ignoredFieldsOf(object).pointers.length > 0;
}

/** The `fieldsV1` paths under which a lost field is not drift: one per ignored field of the object in Git. */
export function ignoredFieldPaths(object: KubeObject): string[] {
  return ignoredFieldsOf(object).pointers.map((tokens) => fieldsPathOf(tokens, object).path);
}

/** True when `path` (a `fieldsV1` path) is one of `prefixes` or under one. */
export function isIgnoredPath(path: string, prefixes: readonly string[]): boolean {
  return prefixes.some((prefix) => prefix !== '' && (path === prefix || path.startsWith(`${prefix}.`)));
}
