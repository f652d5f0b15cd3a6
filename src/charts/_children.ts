import { ApiObject } from 'cdk8s';
import type { Construct } from 'constructs';

/** A rendered or vendored object: apiVersion, kind, metadata and the rest. @internal */
export type PlainObject = Readonly<Record<string, unknown>> & { readonly apiVersion: string; readonly kind: string; readonly metadata?: Record<string, unknown> };

/** Adds each object as an ApiObject child of `scope`, with ids `<Kind>-<name>` (`-2`, `-3` … when taken). @internal */
export function addObjects(scope: Construct, objects: readonly PlainObject[]): ApiObject[] {
  const ids = new Set<string>();
  return objects.map((object) => {
    const metadata = object.metadata;
    const base = `${object.kind}-${String(metadata?.['name'] ?? metadata?.['generateName'] ?? 'unnamed')}`;
    let id = base;
    for (let n = 2; ids.has(id); n++) id = `${base}-${n}`;
    ids.add(id);
    return new ApiObject(scope, id, object as never);
  });
}
