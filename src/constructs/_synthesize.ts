import { ApiObject, type App } from 'cdk8s';
import { renderObjects } from './_render.ts';
import { annotateWaves } from './ordering.ts';
import type { ConstructProblem } from './errors.ts';
import type { MutableObject, Resource } from './overlays/overlay.ts';

/**
 * What `App.synth()` does minus the YAML and the files: run every construct's
 * validations, then render each ApiObject with `toJson()` (which resolves lazy
 * values and applies its JSON patches; see _render.ts for the fast path). Walks the
 * tree in construction order, so the result is deterministic.
 * @internal
 */
export function synthesizeTree(app: App): { resources: Resource[]; problems: ConstructProblem[] } {
  const problems: ConstructProblem[] = [];
  const objects: ApiObject[] = [];
  for (const construct of app.node.findAll()) {
    for (const message of construct.node.validate()) problems.push({ path: construct.node.path, message });
    if (ApiObject.isApiObject(construct)) objects.push(construct);
  }
  annotateWaves(objects);
  const resources = renderObjects(app, objects, (object, json): Resource => ({ object: json as MutableObject, source: object.node.path }));
  return { resources, problems };
}
