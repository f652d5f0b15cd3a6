import { isRecord } from './_json.ts';
import { describeSelector, matches, type ObjectSelector, type Overlay, type OverlayContext, type Resource } from './overlay.ts';

/** One RFC 6902 operation; `path` and `from` are JSON Pointers (RFC 6901). */
export type JsonPatchOperation =
  | { readonly op: 'add'; readonly path: string; readonly value: unknown }
  | { readonly op: 'remove'; readonly path: string }
  | { readonly op: 'replace'; readonly path: string; readonly value: unknown }
  | { readonly op: 'move'; readonly from: string; readonly path: string }
  | { readonly op: 'copy'; readonly from: string; readonly path: string }
  | { readonly op: 'test'; readonly path: string; readonly value: unknown };

class JsonPatchError extends Error {
  override readonly name = 'JsonPatchError';
}

function tokens(pointer: string): string[] {
  if (pointer === '') return [];
  if (!pointer.startsWith('/')) throw new JsonPatchError(`"${pointer}" is not a JSON pointer`);
  return pointer
    .slice(1)
    .split('/')
    .map((token) => token.replace(/~1/g, '/').replace(/~0/g, '~'));
}

type Container = Record<string, unknown> | unknown[];

function parentOf(document: unknown, pointer: string): { parent: Container; key: string } {
  const path = tokens(pointer);
  if (path.length === 0) throw new JsonPatchError('operations on the whole document are not supported');
  let current: unknown = document;
  for (const token of path.slice(0, -1)) {
    current = Array.isArray(current) ? current[Number(token)] : isRecord(current) ? current[token] : undefined;
    if (current === undefined) throw new JsonPatchError(`path "${pointer}" does not exist`);
  }
  if (!Array.isArray(current) && !isRecord(current)) throw new JsonPatchError(`path "${pointer}" does not lead into an object or array`);
  return { parent: current, key: path[path.length - 1]! };
}

function arrayIndex(array: unknown[], key: string, forAdd: boolean, pointer: string): number {
  if (forAdd && key === '-') return array.length;
  const index = /^(0|[1-9][0-9]*)$/.test(key) ? Number(key) : Number.NaN;
  if (Number.isNaN(index) || index > array.length || (!forAdd && index === array.length)) throw new JsonPatchError(`index "${key}" is out of range at "${pointer}"`);
  return index;
}

function get(document: unknown, pointer: string): unknown {
  const { parent, key } = parentOf(document, pointer);
  const value = Array.isArray(parent) ? parent[arrayIndex(parent, key, false, pointer)] : parent[key];
  if (value === undefined) throw new JsonPatchError(`path "${pointer}" does not exist`);
  return value;
}

function remove(document: unknown, pointer: string): unknown {
  const { parent, key } = parentOf(document, pointer);
  if (Array.isArray(parent)) return parent.splice(arrayIndex(parent, key, false, pointer), 1)[0];
  if (!(key in parent)) throw new JsonPatchError(`path "${pointer}" does not exist`);
  const value = parent[key];
  delete parent[key];
  return value;
}

function add(document: unknown, pointer: string, value: unknown): void {
  const { parent, key } = parentOf(document, pointer);
  if (Array.isArray(parent)) parent.splice(arrayIndex(parent, key, true, pointer), 0, value);
  else parent[key] = value;
}

const clone = (value: unknown): unknown => (value === undefined ? undefined : JSON.parse(JSON.stringify(value)));

/** Applies RFC 6902 operations to a document in place; throws on the first failing one. */
export function applyJsonPatch(document: unknown, operations: readonly JsonPatchOperation[]): void {
  operations.forEach((operation, index) => {
    try {
      switch (operation.op) {
        case 'add':
          add(document, operation.path, clone(operation.value));
          break;
        case 'remove':
          remove(document, operation.path);
          break;
        case 'replace':
          remove(document, operation.path);
          add(document, operation.path, clone(operation.value));
          break;
        case 'move':
          add(document, operation.path, remove(document, operation.from));
          break;
        case 'copy':
          add(document, operation.path, clone(get(document, operation.from)));
          break;
        case 'test':
          if (JSON.stringify(get(document, operation.path)) !== JSON.stringify(operation.value)) throw new JsonPatchError(`test failed at "${operation.path}"`);
          break;
      }
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      throw new JsonPatchError(`operation ${index} (${operation.op}): ${message}`);
    }
  });
}

/**
 * The escape hatch: RFC 6902 JSON Patch operations on one object, for what the typed
 * overlays do not cover. Every failure is reported with the object and the operation.
 */
export function jsonPatch(selector: ObjectSelector, operations: readonly JsonPatchOperation[]): Overlay {
  return {
    name: `jsonPatch(${describeSelector(selector)})`,
    apply(resources: Resource[], context: OverlayContext): Resource[] {
      const targets = resources.filter(({ object }) => matches(object, selector));
      if (targets.length === 0) context.report(`${describeSelector(selector)}: no such object`);
      for (const { object } of targets) {
        try {
          applyJsonPatch(object, operations);
        } catch (error) {
          context.report(`${describeSelector(selector)}: ${error instanceof Error ? error.message : String(error)}`);
        }
      }
      return resources;
    },
  };
}
