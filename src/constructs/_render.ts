import { ApiObject, JsonPatch, Lazy, type App } from 'cdk8s';

// `ApiObject.toJson()` resolves the object's props with the App's resolvers, then
// sanitises them (drops null and undefined, sorts keys). cdk8s does that one value at
// a time through generic machinery: at every node of every object it looks the App up
// by walking the tree, copies the key path and allocates a resolution context. That
// is half of the cost of rendering a fleet. This file does the same work for the
// App's three built-in resolvers (Lazy, implicit `resolve()` tokens, number-or-string
// unions) in one pass; test/constructs/render.test.ts checks it against cdk8s's own
// `toJson()` object by object. Apps with custom resolvers take cdk8s's path.

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
    return value.map((item) => render(item, options));
  }
  if (value.constructor !== Object) {
    const name = (value.constructor as { name?: string } | undefined)?.name;
    if (name !== 'Object') throw new Error(`can't render non-simple object of type '${name}'`);
  }
  const record = value as Record<string, unknown>;
  const keys = options.sortKeys ? Object.keys(record).sort() : Object.keys(record);
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

function fastToJson(this: ApiObject): unknown {
  const self = this as unknown as ApiObjectInternals;
  const sortKeys = !(typeof process !== 'undefined' && process.env.CDK8S_DISABLE_SORT);
  const meta = self.metadata;
  const metadata = render(
    {
      ...meta._additionalAttributes,
      name: meta.name,
      namespace: meta.namespace,
      annotations: meta.annotations,
      finalizers: meta.finalizers,
      ownerReferences: meta.ownerReferences,
      labels: meta.labels,
    },
    { sortKeys: true, filterEmpty: true },
  );
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
  prototype.toJson = fastToJson;
  try {
    return objects.map((object) => each(object, object.toJson()));
  } finally {
    prototype.toJson = original;
  }
}
