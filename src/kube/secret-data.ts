import type { KubeObject } from '../manifest/index.ts';

/**
 * A Secret's `stringData` moved into `data`, base64-encoded, as the API server does on write
 * (a key in both takes the `stringData` value). Applied as is, `stringData` leaves the field
 * manager owning `stringData` fields that no stored object has, so an edit of `data` takes
 * nothing from it and is not seen as drift; Flux's ssa package normalises Secrets the same way.
 * Any other object is returned as it is.
 */
export function withStringDataEncoded(object: KubeObject): KubeObject {
  const stringData = (object as { stringData?: unknown }).stringData;
  if (object.kind !== 'Secret' || object.apiVersion !== 'v1' || typeof stringData !== 'object' || stringData === null) return object;
  const { stringData: _moved, ...rest } = object as KubeObject & { stringData: Record<string, unknown>; data?: Record<string, unknown> };
  const encoded = Object.fromEntries(Object.entries(stringData).map(([key, value]) => [key, Buffer.from(String(value), 'utf8').toString('base64')]));
  return { ...rest, data: { ...(rest.data ?? {}), ...encoded } } as KubeObject;
}
