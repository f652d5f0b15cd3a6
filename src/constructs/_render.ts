import { ApiObject, JsonPatch, Lazy, type App } from 'cdk8s';
import { fieldsOf, schemaOf, UNSUPPORTED, type Field, type Op, type RootSchema } from './_l1-schema.ts';

// `ApiObject.toJson()` resolves the object's props with the App's resolvers, then
// sanitises them (drops null and undefined, sorts keys). cdk8s does that one value at
// a time through generic machinery: at every node of every object it looks the App up
// by walking the tree, copies the key path and allocates a resolution context. That
// is half of the cost of rendering a fleet. This file does the same work for the
// App's three built-in resolvers (Lazy, implicit `resolve()` tokens, number-or-string
// unions) in one pass; test/constructs/render.test.ts checks it against cdk8s's own
// `toJson()` object by object. Apps with custom resolvers take cdk8s's path.
//
// Generated L1 classes then convert that copy to Kubernetes JSON in a second pass; for
// them `fusedToJson` below does resolve, sanitise and convert in one walk, led by the
// class's schema (see _l1-schema.ts).

interface SanitizeOptions {
  readonly sortKeys: boolean;
  readonly filterEmpty: boolean;
}

/** cdk8s's built-in resolvers, in its order; returns `NOT_REPLACED` when none applies. */
const NOT_REPLACED = Symbol('not replaced');
function builtInResolve(value: object): unknown {
  if (value instanceof Lazy) return value.produce();
  const candidate = value as { resolve?: unknown; value?: unknown; constructor?: unknown };
  if (typeof candidate.resolve === 'function') return (candidate.resolve as () => unknown).call(value);
  if (candidate.constructor !== Object && (typeof candidate.value === 'number' || typeof candidate.value === 'string')) return { value: candidate.value };
  return NOT_REPLACED;
}

const PROPS: SanitizeOptions = { sortKeys: true, filterEmpty: false };
const METADATA: SanitizeOptions = { sortKeys: true, filterEmpty: true };

/**
 * `Object.keys(record).sort()`; props written by hand are often in order already, and checking
 * costs less than sorting. The records that are not (labels, pod template metadata: a few keys
 * each, thousands of them) are sorted by insertion: same order as the default sort (UTF-16 code
 * units), without its call into the runtime.
 */
function sortedKeys(record: Record<string, unknown>): string[] {
  const keys = Object.keys(record);
  for (let index = 1; index < keys.length; index++) {
    if (keys[index - 1]! > keys[index]!) return keys.length > 16 ? keys.sort() : insertionSort(keys, index);
  }
  return keys;
}

/** Sorts `keys` in place, the first `sorted` of them being in order already. */
function insertionSort(keys: string[], sorted: number): string[] {
  for (let index = sorted; index < keys.length; index++) {
    const key = keys[index]!;
    let at = index;
    while (at > 0 && keys[at - 1]! > key) {
      keys[at] = keys[at - 1]!;
      at--;
    }
    keys[at] = key;
  }
  return keys;
}

/** `sanitizeValue(resolve(value))` fused. */
function render(value: unknown, options: SanitizeOptions): unknown {
  if (value === null || value === undefined) return undefined;
  if (typeof value !== 'object') {
    // Primitives pass the resolvers untouched, except a primitive with a `resolve` method (none in practice).
    return value;
  }
  const replaced = builtInResolve(value);
  if (replaced !== NOT_REPLACED) return render(replaced, options);
  if (Array.isArray(value)) {
    if (options.filterEmpty && value.length === 0) return undefined;
    const items: unknown[] = new Array(value.length);
    for (let index = 0; index < value.length; index++) items[index] = render(value[index], options);
    return items;
  }
  if (value.constructor !== Object) {
    const name = (value.constructor as { name?: string } | undefined)?.name;
    if (name !== 'Object') throw new Error(`can't render non-simple object of type '${name}'`);
  }
  const record = value as Record<string, unknown>;
  const keys = options.sortKeys ? sortedKeys(record) : Object.keys(record);
  const result: Record<string, unknown> = {};
  let count = 0;
  for (const key of keys) {
    const item = render(record[key], options);
    if (item !== null && item !== undefined) {
      result[key] = item;
      count++;
    }
  }
  if (options.filterEmpty && count === 0) return undefined;
  return result;
}

// The fields cdk8s 2.x keeps on ApiObject and its metadata; read, never written.
interface ApiObjectInternals {
  readonly props: Record<string, unknown>;
  readonly patches: JsonPatch[];
  readonly metadata: {
    readonly _additionalAttributes?: Record<string, unknown>;
    readonly name?: string;
    readonly namespace?: string;
    readonly annotations?: unknown;
    readonly finalizers?: unknown;
    readonly ownerReferences?: unknown;
    readonly labels?: unknown;
  };
}

/** `ApiObjectMetadata.toJson()`, sanitised as ApiObject.toJson() does. */
function renderMetadata(meta: ApiObjectInternals['metadata']): unknown {
  // As `{ ...additional, name, namespace, ... }` (the standard fields win), built without a spread.
  // Standard fields go in in byte order, so that without additional attributes render() finds the keys sorted and sorts nothing.
  const merged: Record<string, unknown> = {};
  const additional = meta._additionalAttributes;
  if (additional !== undefined) for (const key of Object.keys(additional)) merged[key] = additional[key];
  merged['annotations'] = meta.annotations;
  merged['finalizers'] = meta.finalizers;
  merged['labels'] = meta.labels;
  merged['name'] = meta.name;
  merged['namespace'] = meta.namespace;
  merged['ownerReferences'] = meta.ownerReferences;
  return render(merged, METADATA);
}

function sortDisabled(): boolean {
  return typeof process !== 'undefined' && Boolean(process.env.CDK8S_DISABLE_SORT);
}

function fastToJson(this: ApiObject): unknown {
  const self = this as unknown as ApiObjectInternals;
  const sortKeys = !sortDisabled();
  const metadata = renderMetadata(self.metadata);
  try {
    const json = render({ ...self.props, metadata }, { sortKeys, filterEmpty: false }) as Record<string, unknown>;
    const patched = (self.patches.length === 0 ? json : JsonPatch.apply(json, ...self.patches)) as Record<string, unknown>;
    const result: Record<string, unknown> = {};
    for (const key of ['apiVersion', 'kind', 'metadata', ...Object.keys(patched)]) if (key in patched) result[key] = patched[key];
    return result;
  } catch (error) {
    throw new Error(`Failed serializing construct at path '${this.node.path}' with name '${this.name}': ${String(error)}`);
  }
}

/** Thrown inside the fused walk when an object needs cdk8s's own path (which gives the real result or error). */
const FALLBACK = new Error('fused rendering does not apply');

function resolveTokens(value: unknown): unknown {
  let current = value;
  while (current !== null && typeof current === 'object') {
    const replaced = builtInResolve(current);
    if (replaced === NOT_REPLACED) return current;
    current = replaced;
  }
  return current;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const constructor = (value as { constructor?: { name?: string } }).constructor;
  return constructor === Object || constructor?.name === 'Object';
}

/**
 * The generated converter's result for `raw` rendered: what `toJson_T(render(raw))` gives for this op.
 * One function for every op (recursing into itself) rather than one per op: the optimising compiler
 * then compiles this walk once, where separate functions each inlined the others and were each
 * compiled with the rest inside them, which at 1k objects cost more CPU than the walk itself.
 */
function convert(schema: RootSchema, op: Op, raw: unknown): unknown {
  switch (op.op) {
    case 'copy':
      return render(raw, PROPS);
    case 'union': {
      const rendered = render(raw, PROPS);
      return rendered === undefined ? undefined : (rendered as { value?: unknown }).value;
    }
    case 'date':
      if (raw === null || raw === undefined) return undefined;
      throw FALLBACK;
    case 'array': {
      const value = resolveTokens(raw);
      if (value === null || value === undefined) return undefined;
      if (!Array.isArray(value)) throw FALLBACK;
      const out: unknown[] = new Array(value.length);
      for (let index = 0; index < value.length; index++) out[index] = convert(schema, op.of, value[index]);
      return out;
    }
    case 'map': {
      const value = resolveTokens(raw);
      if (value === null || value === undefined) return undefined;
      if (!isPlainObject(value)) throw FALLBACK;
      const of = op.of;
      if (of.op === 'copy') return render(value, PROPS);
      const out: Record<string, unknown> = {};
      for (const key of sortedKeys(value)) {
        if (of.op === 'union') {
          // `{ ...r, [key]: value?.value }`: the key stays even when the value has no `.value`.
          const rendered = render(value[key], PROPS);
          if (rendered !== undefined) out[key] = (rendered as { value?: unknown }).value;
        } else {
          const converted = convert(schema, of, value[key]);
          if (converted !== undefined) out[key] = converted;
        }
      }
      return out;
    }
    case 'struct': {
      const value = resolveTokens(raw);
      if (value === null || value === undefined) return undefined;
      if (!isPlainObject(value)) throw FALLBACK;
      const fields = fieldsOf(schema, op, value);
      if (fields === undefined) throw FALLBACK;
      // A value sets a few of its struct's fields (PodSpec declares 40): walk its keys, converting as they come. They
      // usually come in the converter's order; when not, the output is put in that order afterwards.
      const index = op.index!;
      const keys = Object.keys(value);
      const out: Record<string, unknown> = {};
      let last = -1;
      let ordered = true;
      for (let k = 0; k < keys.length; k++) {
        const key = keys[k]!;
        const item = value[key];
        const at = index.get(key);
        if (at === undefined) {
          // A prop the converter drops: cdk8s still renders it first (which may throw or resolve a Lazy), so leave the object to it.
          if (item !== undefined && item !== null) throw FALLBACK;
        } else if (item !== undefined) {
          if (at < last) ordered = false;
          last = at;
          const field = fields[at]!;
          const converted = convert(schema, field.value, item);
          if (converted !== undefined) out[field.json] = converted;
        }
      }
      return ordered ? out : inFieldOrder(fields, out);
    }
  }
}

/** `out`'s keys in the converter's order (JSON names are unique within a struct). */
function inFieldOrder(fields: readonly Field[], out: Record<string, unknown>): Record<string, unknown> {
  const sorted: Record<string, unknown> = {};
  for (const field of fields) if (Object.hasOwn(out, field.json)) sorted[field.json] = out[field.json];
  return sorted;
}

/** `toJson()` of a generated L1 class in one walk: what `{ ...GVK, ...toJson_XProps(fastToJson()) }` gives. */
function fusedToJson(object: ApiObject, schema: RootSchema): Record<string, unknown> {
  const self = object as unknown as ApiObjectInternals;
  const props = self.props;
  // ApiObject.toJson() replaces `metadata` and renders apiVersion and kind (strings) harmlessly; other props the converter drops go to cdk8s.
  for (const key in props) {
    const value = props[key];
    if (key === 'metadata' || value === undefined || value === null || schema.root.index!.has(key)) continue;
    if ((key === 'apiVersion' || key === 'kind') && typeof value === 'string') continue;
    throw FALLBACK;
  }
  const metadata = renderMetadata(self.metadata);
  const out: Record<string, unknown> = {};
  for (const entry of schema.entries) {
    if (Array.isArray(entry)) {
      out[entry[0]] = entry[1];
      continue;
    }
    const field = entry as Exclude<RootSchema['entries'][number], readonly [string, string]>;
    const converted = convert(schema, field.value, field.ts === 'metadata' ? metadata : props[field.ts]);
    if (converted !== undefined) out[field.json] = converted;
  }
  return out;
}

/** The L1 schema for an object, or undefined when it takes the plain path (no generated converter, JSON patches). */
function fusedSchema(object: ApiObject): RootSchema | undefined {
  const toJson = (object as unknown as { toJson: () => unknown }).toJson;
  if (toJson === fastToJson || (object as unknown as ApiObjectInternals).patches.length > 0) return undefined;
  const schema = schemaOf(toJson, (object as unknown as ApiObjectInternals).props);
  return schema === UNSUPPORTED ? undefined : schema;
}

const BUILT_IN_RESOLVERS = ['LazyResolver', 'ImplicitTokenResolver', 'NumberStringUnionResolver'];

/** True when `app` uses only cdk8s's built-in resolvers, which `renderObjects` reproduces. @internal */
export function hasOnlyBuiltInResolvers(app: App): boolean {
  const names = app.resolvers.map((resolver) => resolver.constructor.name);
  return names.length === BUILT_IN_RESOLVERS.length && names.every((name, index) => name === BUILT_IN_RESOLVERS[index]);
}

/**
 * Calls `toJson()` on each object with the fused resolver in place of ApiObject's
 * generic one (generated L1 classes call `super.toJson()`, so they use it too), and
 * puts cdk8s back afterwards. Falls back to plain `toJson()` for custom resolvers.
 * @internal
 */
export function renderObjects<T>(app: App, objects: readonly ApiObject[], each: (object: ApiObject, json: unknown) => T): T[] {
  if (!hasOnlyBuiltInResolvers(app)) return objects.map((object) => each(object, object.toJson()));
  const prototype = ApiObject.prototype as { toJson: () => unknown };
  const original = prototype.toJson;
  const fused = !sortDisabled();
  const render = (object: ApiObject): unknown => {
    const schema = fused ? fusedSchema(object) : undefined;
    if (schema !== undefined) {
      try {
        return fusedToJson(object, schema);
      } catch {
        // cdk8s's own path decides (and words any error); a Lazy it meets may be produced twice.
      }
    }
    return object.toJson();
  };
  prototype.toJson = fastToJson;
  try {
    return objects.map((object) => each(object, render(object)));
  } finally {
    prototype.toJson = original;
  }
}
