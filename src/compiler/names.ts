import { refOf, type KubeObject, type ObjectRef } from '../manifest/index.ts';
import type { ObjectProblem } from './errors.ts';

/** A naming rule of the Kubernetes API (apimachinery's validation package). */
export interface NameRule {
  readonly description: string;
  readonly maxLength: number;
  readonly pattern: RegExp;
}

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const PATH_SEGMENT = /^(?!\.{1,2}$)[^/%]+$/;
const QUALIFIED_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

export const NAME_RULES = {
  dns1123Subdomain: { description: 'a DNS-1123 subdomain (lower case alphanumerics, "-" and ".", starting and ending alphanumeric, at most 253 characters)', maxLength: 253, pattern: DNS1123_SUBDOMAIN },
  dns1123Label: { description: 'a DNS-1123 label (lower case alphanumerics and "-", starting and ending alphanumeric, at most 63 characters)', maxLength: 63, pattern: DNS1123_LABEL },
  dns1035Label: { description: 'a DNS-1035 label (lower case alphanumerics and "-", starting with a letter, ending alphanumeric, at most 63 characters)', maxLength: 63, pattern: DNS1035_LABEL },
  cronJobName: { description: 'a DNS-1123 subdomain of at most 52 characters (the controller appends a suffix for its Jobs)', maxLength: 52, pattern: DNS1123_SUBDOMAIN },
  pathSegment: { description: 'a path segment (no "/" or "%", not "." or "..")', maxLength: 253, pattern: PATH_SEGMENT },
} satisfies Record<string, NameRule>;

/**
 * The rule each kind's name follows, as the API server enforces it; kinds not
 * listed use a DNS-1123 subdomain. A rule table, not branches (STYLE habit 9).
 */
export const KIND_NAME_RULES: Readonly<Record<string, NameRule>> = {
  Namespace: NAME_RULES.dns1123Label,
  Service: NAME_RULES.dns1035Label,
  Job: NAME_RULES.dns1123Label,
  StatefulSet: NAME_RULES.dns1123Label,
  CronJob: NAME_RULES.cronJobName,
  Role: NAME_RULES.pathSegment,
  ClusterRole: NAME_RULES.pathSegment,
  RoleBinding: NAME_RULES.pathSegment,
  ClusterRoleBinding: NAME_RULES.pathSegment,
};

function checkName(value: string, rule: NameRule): string | undefined {
  if (value.length === 0) return 'must not be empty';
  if (value.length > rule.maxLength) return `${JSON.stringify(value)} is ${value.length} characters long; it must be ${rule.description}`;
  if (!rule.pattern.test(value)) return `${JSON.stringify(value)} is not valid: it must be ${rule.description}`;
  return undefined;
}

/** A label or annotation key: an optional DNS-1123 subdomain prefix and `/`, then a name of at most 63 characters. */
export function checkQualifiedName(key: string): string | undefined {
  const slash = key.lastIndexOf('/');
  const prefix = slash < 0 ? undefined : key.slice(0, slash);
  const name = slash < 0 ? key : key.slice(slash + 1);
  if (prefix !== undefined && (prefix.length === 0 || prefix.length > 253 || !DNS1123_SUBDOMAIN.test(prefix))) {
    return `key ${JSON.stringify(key)} has an invalid prefix: it must be a DNS-1123 subdomain`;
  }
  if (name.length === 0 || name.length > 63 || !QUALIFIED_NAME.test(name)) {
    return `key ${JSON.stringify(key)} is not a qualified name (alphanumerics, "-", "_" and ".", starting and ending alphanumeric, at most 63 characters, with an optional DNS subdomain prefix and "/")`;
  }
  return undefined;
}

export function checkLabelValue(value: unknown): string | undefined {
  if (typeof value !== 'string') return `value must be a string, not ${value === null ? 'null' : typeof value}`;
  if (value.length > 63 || !LABEL_VALUE.test(value)) {
    return `value ${JSON.stringify(value)} is not a valid label value (at most 63 alphanumerics, "-", "_" and ".", starting and ending alphanumeric, or empty)`;
  }
  return undefined;
}

const ANNOTATIONS_MAX_BYTES = 256 * 1024;

function fieldOf(parent: string, key: string): string {
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(key) ? `${parent}.${key}` : `${parent}[${JSON.stringify(key)}]`;
}

/**
 * Checks what the API server would reject about an object's identity and metadata:
 * the name by its kind's rule, the namespace, label keys and values, annotation keys,
 * values and total size; also the labels of pod templates and label selectors.
 * Returns every problem (empty when the object is fine).
 */
export function validateObjectNames(object: KubeObject, source: string): ObjectProblem[] {
  const problems: ObjectProblem[] = [];
  // The ref only when there is a problem: most objects have none.
  let ref: ObjectRef | undefined;
  const add = (field: string, message: string) => problems.push({ source, ref: (ref ??= refOf(object)), field, message });
  const nameProblem = checkName(object.metadata.name, KIND_NAME_RULES[object.kind] ?? NAME_RULES.dns1123Subdomain);
  if (nameProblem) add('metadata.name', nameProblem);
  if (object.metadata.namespace !== undefined) {
    const nsProblem = checkName(object.metadata.namespace, NAME_RULES.dns1123Label);
    if (nsProblem) add('metadata.namespace', nsProblem);
  }
  checkMetadata(object.metadata, () => 'metadata', add);
  walkTemplates(object, [], add);
  return problems;
}

type Add = (field: string, message: string) => void;
/** A field's path, written only when a problem is reported: most objects have none, and paths cost more than the checks. */
type Path = () => string;

function checkMetadata(metadata: unknown, path: Path, add: Add): void {
  if (typeof metadata !== 'object' || metadata === null) return;
  const { labels, annotations } = metadata as { labels?: unknown; annotations?: unknown };
  checkLabels(labels, () => `${path()}.labels`, add);
  if (typeof annotations === 'object' && annotations !== null) {
    let bytes = 0;
    for (const [key, value] of Object.entries(annotations)) {
      const keyProblem = checkQualifiedName(key);
      if (keyProblem) add(fieldOf(`${path()}.annotations`, key), keyProblem);
      if (typeof value !== 'string') add(fieldOf(`${path()}.annotations`, key), `value must be a string, not ${value === null ? 'null' : typeof value}`);
      else bytes += key.length + value.length;
    }
    if (bytes > ANNOTATIONS_MAX_BYTES) add(`${path()}.annotations`, `annotations total ${bytes} bytes; the limit is ${ANNOTATIONS_MAX_BYTES}`);
  }
}

// Label keys and values repeat across a cluster's objects (app.kubernetes.io/name, app names):
// remembering the valid ones saves the checks. Bounded, like the emitter's key cache.
const validKeys = new Set<string>();
const validValues = new Set<string>();
const VALID_LIMIT = 50_000;

function checkLabels(labels: unknown, path: Path, add: Add): void {
  if (typeof labels !== 'object' || labels === null) return;
  const record = labels as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    const value = record[key];
    if (typeof value === 'string' && validKeys.has(key) && validValues.has(value)) continue;
    const keyProblem = checkQualifiedName(key);
    if (keyProblem) add(fieldOf(path(), key), keyProblem);
    const valueProblem = checkLabelValue(value);
    if (valueProblem) add(fieldOf(path(), key), valueProblem);
    if (keyProblem === undefined && valueProblem === undefined) {
      if (validKeys.size >= VALID_LIMIT || validValues.size >= VALID_LIMIT) {
        validKeys.clear();
        validValues.clear();
      }
      validKeys.add(key);
      validValues.add(value as string);
    }
  }
}

/** `spec.template.metadata`, `spec.containers[0]`, `data["a.b"]`: the keys from the object's root. */
function pathOf(keys: readonly (string | number)[]): string {
  let path = '';
  for (const key of keys) path = typeof key === 'number' ? `${path}[${key}]` : path === '' ? key : fieldOf(path, key);
  return path;
}

/** Pod templates (`…template.metadata`) and selectors (`…selector.matchLabels`) anywhere under `spec`; `keys` is the way down (a stack). */
function walkTemplates(value: unknown, keys: (string | number)[], add: Add): void {
  if (typeof value !== 'object' || value === null) return;
  if (Array.isArray(value)) {
    for (let index = 0; index < value.length; index++) {
      const item: unknown = value[index];
      if (typeof item !== 'object' || item === null) continue;
      keys.push(index);
      walkTemplates(item, keys, add);
      keys.pop();
    }
    return;
  }
  const record = value as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    if (keys.length === 0 && (key === 'metadata' || key === 'apiVersion' || key === 'kind' || key === 'data' || key === 'stringData')) continue;
    const child = record[key];
    // Scalars hold no templates: most of an object's leaves end here, without a call.
    if (typeof child !== 'object' || child === null) continue;
    keys.push(key);
    if (key === 'template' || key === 'selector') {
      const at = keys.slice();
      if (key === 'template') checkMetadata((child as { metadata?: unknown }).metadata, () => `${pathOf(at)}.metadata`, add);
      else checkLabels((child as { matchLabels?: unknown }).matchLabels, () => `${pathOf(at)}.matchLabels`, add);
    }
    walkTemplates(child, keys, add);
    keys.pop();
  }
}
