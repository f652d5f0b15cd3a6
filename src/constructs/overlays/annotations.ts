import { recordAt } from './_json.ts';
import { mergeMetadata, podTemplateOf } from './_kinds.ts';
import type { Overlay, Resource } from './overlay.ts';

export interface AnnotationOptions {
  /**
   * Also annotate pod templates. Changing a template annotation rolls the workload,
   * which is sometimes the point (`kubectl.kubernetes.io/restartedAt`).
   * @default false
   */
  readonly templates?: boolean;
}

/** Adds annotations to every object's metadata (pod templates only when asked). */
export function annotations(values: Readonly<Record<string, string>>, options: AnnotationOptions = {}): Overlay {
  return {
    name: 'annotations',
    apply(resources: Resource[]): Resource[] {
      for (const { object } of resources) {
        mergeMetadata(object, 'annotations', values);
        if (!options.templates) continue;
        const template = podTemplateOf(object);
        if (template !== undefined && template !== object) mergeMetadata(template, 'annotations', values);
        const jobTemplate = object.kind === 'CronJob' ? recordAt(object, ['spec', 'jobTemplate']) : undefined;
        if (jobTemplate !== undefined) mergeMetadata(jobTemplate, 'annotations', values);
      }
      return resources;
    },
  };
}
