import { ApiObject } from 'cdk8s';

// Generated L1 classes (`cdk8s import`: cdk8s-plus's `k8s.Kube*`, our imports/) render with
// `{ ...GVK, ...toJson_XProps(super.toJson()) }`: ApiObject.toJson() resolves and sorts a
// full copy of the props, then generated `toJson_*` functions copy it again field by field
// (each struct through `Object.entries(...).reduce` with a spread per field). That second
// pass is the largest share of rendering a fleet. To do both in one walk, Strata needs
// each class's schema: which props the converter reads, under which JSON names, in which
// order, and what it does with each (copy, unwrap `.value`, map arrays, maps or structs).
//
// The schema is learnt from the generated code's behaviour, not its text (which differs
// between tsc, esbuild and swc output): the class's `toJson` is run once per struct with
// `super.toJson()` returning a recording Proxy ("marker"), and what it reads and returns
// says what the converter does. Only the structs that objects actually use are probed:
// the markers follow an object's own props (the "guide"), so the first object of a class
// explains the whole of its shape in one run, not its class's whole expanded PodSpec, and
// a later object with a value where none was before starts one more run down the path to
// that struct. Anything the probe cannot explain makes the class (or that struct)
// unsupported, and such objects take cdk8s's own path.

/** How a generated converter treats one value. */
export type Op =
  | { readonly op: 'copy' }
  | { readonly op: 'union' }
  | { readonly op: 'date' }
  | { readonly op: 'array'; readonly of: Op }
  | { readonly op: 'map'; readonly of: Op }
  | StructOp;

/** A struct: its fields in the converter's order, probed on first use. */
export interface StructOp {
  readonly op: 'struct';
  /** Undefined until probed (see {@link fieldsOf}); null when the probe could not explain the converter. */
  fields: readonly Field[] | undefined | null;
  /** The props keys the converter reads, to their index in `fields`; others are dropped by it. */
  index: ReadonlyMap<string, number> | undefined;
  readonly path: readonly Step[];
}

export interface Field {
  /** The key in the props (camelCase). */
  readonly ts: string;
  /** The key in the Kubernetes JSON. */
  readonly json: string;
  readonly value: Op;
}

/** The root: constant keys (apiVersion, kind) and fields, in output order. */
export interface RootSchema {
  readonly toJson: () => unknown;
  readonly root: StructOp;
  /** Output keys in order: a constant's value, or the field. */
  readonly entries: readonly (readonly [string, string] | Field)[];
}

type Step = { readonly ts: string; readonly json: string } | typeof ELEMENT | typeof ENTRY;
const ELEMENT = Symbol('array element');
const ENTRY = Symbol('map entry');
/** The one key a marker reports to `Object.entries` to learn what a map does to its values. */
const ENTRY_KEY = '\u0000strata-entry';

export const UNSUPPORTED = Symbol('unsupported');

/** Thrown when the probe meets something it cannot explain; the class then takes cdk8s's path. */
class Unexplained extends Error {}

// A marker's mode: `live` lies on the path to the probed struct; `guided` markers (the
// probed struct and, below it, every prop the guide has a value for) record what the
// converter reads and answer with more markers; `frontier` markers (props without a value
// in the guide) record how they are used, and their own props read as undefined, except
// `value` (a union's `.value` must show in the output), which is the `dead` marker that
// answers everything with nothing. Props off the path read as undefined. So the generated
// code below a frontier ends at once.
type Mode = 'live' | 'guided' | 'frontier' | 'dead';

interface MarkerState {
  readonly mode: Mode;
  /** `live`: the steps still to go. */
  readonly rest: readonly Step[];
  /** `live`: the guide for the struct at the path's end; `guided`: the value of this prop in the guide. */
  readonly guide: Guide;
  readonly depth: number;
  readonly reads: string[];
  readonly children: Record<string, object | undefined>;
  map?: (callback: (item: unknown) => unknown) => unknown[];
  mapped?: { readonly element: object; readonly result: unknown; readonly array: unknown[] };
  entry?: object;
  date?: object;
}

/** Values of some props, or (for array elements and map values) several candidates. */
type Guide = unknown;
class AnyOf {
  constructor(readonly candidates: readonly unknown[]) {}
}

/** Guides deeper than this stop expanding (a cyclic props value would otherwise never end). */
const MAX_DEPTH = 64;

function guideOf(guide: Guide, key: string): Guide {
  if (guide instanceof AnyOf) {
    for (const candidate of guide.candidates) {
      const found = guideOf(candidate, key);
      if (found !== undefined) return found;
    }
    return undefined;
  }
  // Only plain data guides: a Lazy or a class instance is probed when an object's walk resolves it.
  if (typeof guide !== 'object' || guide === null || Object.getPrototypeOf(guide) !== Object.prototype) return undefined;
  const value = (guide as Record<string, unknown>)[key];
  return value === null ? undefined : value;
}

function itemsOf(guide: Guide): Guide {
  if (guide instanceof AnyOf) return new AnyOf(guide.candidates.flatMap((candidate) => (Array.isArray(candidate) ? candidate : [])));
  return Array.isArray(guide) && guide.length > 0 ? new AnyOf(guide) : undefined;
}

function valuesOf(guide: Guide): Guide {
  if (guide instanceof AnyOf) return new AnyOf(guide.candidates.flatMap((candidate) => valuesOf(candidate) ?? []));
  if (typeof guide !== 'object' || guide === null || Object.getPrototypeOf(guide) !== Object.prototype) return undefined;
  const values = Object.values(guide).filter((value) => value !== undefined && value !== null);
  return values.length > 0 ? new AnyOf(values) : undefined;
}

/** Read through a marker to get its state (plain objects answer undefined). */
const STATE = Symbol('marker state');

// One handler for all markers, the state as the Proxy's target: probing creates many markers.
const HANDLER: ProxyHandler<MarkerState> = {
  get(state, key) {
    return read(state, key);
  },
  ownKeys(state) {
    return entryOf(state) === undefined ? [] : [ENTRY_KEY];
  },
  getOwnPropertyDescriptor(state, key) {
    const entry = key === ENTRY_KEY ? entryOf(state) : undefined;
    return entry === undefined ? undefined : { value: entry, enumerable: true, configurable: true, writable: false };
  },
  has() {
    throw new Unexplained('`in` on a props value');
  },
  set() {
    throw new Unexplained('assignment to a props value');
  },
  defineProperty() {
    throw new Unexplained('assignment to a props value');
  },
  deleteProperty() {
    throw new Unexplained('deletion from a props value');
  },
};

function marker(mode: Mode, rest: readonly Step[], guide: Guide, depth: number): object {
  return new Proxy<MarkerState>({ mode, rest, guide, depth, reads: [], children: Object.create(null) as Record<string, object | undefined> }, HANDLER);
}

function stateOf(value: unknown): MarkerState | undefined {
  return typeof value === 'object' && value !== null ? ((value as Record<symbol, unknown>)[STATE] as MarkerState | undefined) : undefined;
}

/** A frontier's `value`: nothing below it is recorded, so one marker serves. */
const DEAD = marker('dead', [], undefined, 0);
const NO_ITEMS = (): unknown[] => [];
const NO_DATE = (): string => '';

/** Below a guided marker: guided where the guide has a value, else frontier. */
function below(state: MarkerState, guide: Guide): object {
  return guide !== undefined && state.depth < MAX_DEPTH ? marker('guided', [], guide, state.depth + 1) : marker('frontier', [], undefined, state.depth + 1);
}

/** The marker one step further along: the probed struct at the path's end, else still live; off the path, nothing. */
function next(state: MarkerState, step: Step | string): object | undefined {
  const head = state.rest[0];
  const onPath = head !== undefined && (typeof head === 'object' ? head.ts === step : head === step);
  if (!onPath) return undefined;
  return state.rest.length === 1 ? marker('guided', [], state.guide, 0) : marker('live', state.rest.slice(1), state.guide, 0);
}

function entryOf(state: MarkerState): object | undefined {
  if (state.entry === undefined) {
    if (state.mode === 'dead' || (state.mode === 'live' && state.rest[0] !== ENTRY)) return undefined;
    state.entry = state.mode === 'live' ? next(state, ENTRY) : state.mode === 'guided' ? below(state, valuesOf(state.guide)) : marker('frontier', [], undefined, state.depth + 1);
  }
  return state.entry;
}

function mapOf(state: MarkerState): (callback: (item: unknown) => unknown) => unknown[] {
  if (state.mode === 'dead' || (state.mode === 'live' && state.rest[0] !== ELEMENT)) return NO_ITEMS;
  state.map ??= function map(callback: (item: unknown) => unknown): unknown[] {
    const element = state.mode === 'live' ? next(state, ELEMENT)! : state.mode === 'guided' ? below(state, itemsOf(state.guide)) : marker('frontier', [], undefined, state.depth + 1);
    const result = callback(element);
    const array = [result];
    state.mapped = { element, result, array };
    return array;
  };
  return state.map;
}

function read(state: MarkerState, key: string | symbol): unknown {
  if (typeof key !== 'string') return key === STATE ? state : undefined;
  if (key === ENTRY_KEY) return entryOf(state);
  if (key === 'map') return mapOf(state);
  if (key === 'toISOString') {
    if (state.mode === 'dead') return NO_DATE;
    state.date ??= {};
    const date = state.date;
    return function toISOString(): object {
      return date;
    };
  }
  if (state.mode === 'dead') return undefined;
  if (!(key in state.children)) {
    state.children[key] =
      state.mode === 'live' ? next(state, key) : state.mode === 'guided' ? below(state, guideOf(state.guide, key)) : key === 'value' ? DEAD : undefined;
    state.reads.push(key);
  }
  return state.children[key];
}

/** What the converter did with a guided or frontier marker, judged by what it returned for it. */
function classify(value: object, output: unknown, path: readonly Step[]): Op {
  const state = stateOf(value)!;
  if (output === value) return { op: 'copy' };
  if (state.mapped !== undefined && output === state.mapped.array) {
    return { op: 'array', of: classify(state.mapped.element, state.mapped.result, [...path, ELEMENT]) };
  }
  if (state.date !== undefined && output === state.date) return { op: 'date' };
  if (state.reads.length === 1 && output === state.children['value']) return { op: 'union' };
  if (typeof output !== 'object' || output === null || Array.isArray(output) || stateOf(output) !== undefined) throw new Unexplained('unknown conversion');
  if (state.entry !== undefined) {
    const keys = Object.keys(output);
    if (keys.length !== 1 || keys[0] !== ENTRY_KEY) throw new Unexplained('unknown map conversion');
    return { op: 'map', of: classify(state.entry, (output as Record<string, unknown>)[ENTRY_KEY], [...path, ENTRY]) };
  }
  if (state.mapped !== undefined) throw new Unexplained('unknown array conversion');
  // A struct converter: explained now when the guide went here, else when an object first has a value here.
  const struct: StructOp = { op: 'struct', fields: undefined, index: undefined, path };
  if (state.mode === 'guided') {
    const fields = fieldsFrom(state, output as Record<string, unknown>, path, false) as Field[];
    struct.fields = fields;
    struct.index = indexOf(fields);
  } else if (state.reads.length === 0) {
    if (Object.keys(output).length > 0) throw new Unexplained('struct output without reads');
    struct.fields = [];
    struct.index = new Map();
  }
  return struct;
}

/** Runs the class's `toJson` with `super.toJson()` answering markers along `path`, guided below it by `guide`; returns the probed struct's state and output. */
function probe(toJson: () => unknown, path: readonly Step[], guide: Guide): { state: MarkerState; output: Record<string, unknown> } {
  const root = path.length === 0 ? marker('guided', [], guide, 0) : marker('live', path, guide, 0);
  const prototype = ApiObject.prototype as { toJson: () => unknown };
  const original = prototype.toJson;
  let calls = 0;
  prototype.toJson = () => {
    calls += 1;
    return root;
  };
  let output: unknown;
  try {
    output = toJson.call({});
  } finally {
    prototype.toJson = original;
  }
  if (calls !== 1) throw new Unexplained('toJson() does not call super.toJson() once');
  let state = stateOf(root)!;
  for (const step of path) {
    if (typeof output !== 'object' || output === null) throw new Unexplained('path not in output');
    if (step === ELEMENT) {
      output = (output as unknown[])[0];
      state = stateOf(state.mapped!.element)!;
    } else if (step === ENTRY) {
      output = (output as Record<string, unknown>)[ENTRY_KEY];
      state = stateOf(state.entry!)!;
    } else {
      output = (output as Record<string, unknown>)[step.json];
      state = stateOf(state.children[step.ts])!;
    }
  }
  if (typeof output !== 'object' || output === null || Array.isArray(output)) throw new Unexplained('struct output is not an object');
  return { state, output: output as Record<string, unknown> };
}

/** Pairs the target's reads (in order) with its output keys (in order); `constants` lets the root keep apiVersion and kind. */
function fieldsFrom(state: MarkerState, output: Record<string, unknown>, path: readonly Step[], constants: boolean): (readonly [string, string] | Field)[] {
  const entries: (readonly [string, string] | Field)[] = [];
  let index = 0;
  for (const [json, value] of Object.entries(output)) {
    if (constants && typeof value === 'string') {
      entries.push([json, value]);
      continue;
    }
    const ts = state.reads[index++];
    if (ts === undefined) throw new Unexplained('more output keys than reads');
    entries.push({ ts, json, value: classify(state.children[ts]!, value, [...path, { ts, json }]) });
  }
  if (index !== state.reads.length) throw new Unexplained('reads without output');
  return entries;
}

function indexOf(fields: readonly Field[]): Map<string, number> {
  return new Map(fields.map((field, index) => [field.ts, index]));
}

const schemas = new Map<() => unknown, RootSchema | typeof UNSUPPORTED>();

/**
 * The schema of a generated L1 class, by its `toJson`; UNSUPPORTED when its behaviour is not
 * a generated converter's. `props` (an object's) decides which structs are explained now.
 * @internal
 */
export function schemaOf(toJson: () => unknown, props: unknown): RootSchema | typeof UNSUPPORTED {
  let schema = schemas.get(toJson);
  if (schema === undefined) {
    try {
      const { state, output } = probe(toJson, [], props);
      const entries = fieldsFrom(state, output, [], true);
      const fields = entries.filter((entry): entry is Field => !Array.isArray(entry));
      schema = { toJson, root: { op: 'struct', fields, index: indexOf(fields), path: [] }, entries };
    } catch {
      schema = UNSUPPORTED;
    }
    schemas.set(toJson, schema);
  }
  return schema;
}

/** A struct's fields, probing them (guided by `value`) on first use; undefined when the converter cannot be explained. @internal */
export function fieldsOf(schema: RootSchema, struct: StructOp, value: unknown): readonly Field[] | undefined {
  if (struct.fields === undefined) {
    try {
      const { state, output } = probe(schema.toJson, struct.path, value);
      const fields = fieldsFrom(state, output, struct.path, false) as Field[];
      struct.index = indexOf(fields);
      struct.fields = fields;
    } catch {
      struct.fields = null;
    }
  }
  return struct.fields ?? undefined;
}
