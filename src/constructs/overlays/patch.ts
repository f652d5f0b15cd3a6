import type { KindMap, KnownKind } from '../kinds.ts';
import { describeSelector, matches, type ObjectSelector, type Overlay, type OverlayContext, type Resource } from './overlay.ts';

export interface PatchOptions {
  /** Needed only when objects of that kind and name exist in several namespaces. @default any */
  readonly namespace?: string;
}

/**
 * Changes one object, selected by kind and name, with a callback typed with that
 * kind's JSON (`patch('Deployment', 'api', (d) => { d.spec!.replicas = 3 })`).
 * The callback edits in place, or returns a replacement. A selector that matches
 * nothing, or more than one object, is reported.
 */
export function patch<K extends KnownKind>(kind: K, name: string, edit: (object: KindMap[K]) => KindMap[K] | void, options: PatchOptions = {}): Overlay {
  const selector: ObjectSelector = { kind, name, ...(options.namespace === undefined ? {} : { namespace: options.namespace }) };
  return {
    name: `patch(${describeSelector(selector)})`,
    apply(resources: Resource[], context: OverlayContext): Resource[] {
      const targets = resources.filter(({ object }) => matches(object, selector));
      if (targets.length !== 1) {
        context.report(`${describeSelector(selector)}: ${targets.length === 0 ? 'no such object' : `matches ${targets.length} objects; give a namespace`}`);
        return resources;
      }
      const target = targets[0]!;
      // The object is the JSON `toJson()` rendered for this kind, so it has the kind's shape.
      const result = edit(target.object as unknown as KindMap[K]);
      if (result !== undefined) target.object = result as unknown as Resource['object'];
      return resources;
    },
  };
}
