import { isRecord, recordAt } from './_json.ts';
import { SELECTOR_KINDS, mergeMetadata, podTemplateOf } from './_kinds.ts';
import type { MutableObject, Overlay, Resource } from './overlay.ts';

export interface LabelOptions {
  /**
   * Also label pod templates (and CronJob job templates). Safe for selectors, but it
   * changes the template, so every workload rolls once.
   * @default false
   */
  readonly templates?: boolean;
  /**
   * Also add the labels to selectors (workload `spec.selector`, Service, PDB and
   * NetworkPolicy selectors), which implies `templates`. A Deployment's selector is
   * immutable: use this only before the first deployment, never on live workloads
   * (this is what kustomize's `commonLabels` does, and why it breaks rollouts).
   * @default false
   */
  readonly selectors?: boolean;
}

/**
 * Adds labels to every object's metadata. Selectors and pod templates are left
 * untouched unless asked for, so adding a label never breaks a live workload.
 * The overlay's labels win over the object's own.
 */
export function labels(values: Readonly<Record<string, string>>, options: LabelOptions = {}): Overlay {
  const selectors = options.selectors ?? false;
  const templates = selectors || (options.templates ?? false);
  return {
    name: 'labels',
    apply(resources: Resource[]): Resource[] {
      for (const { object } of resources) {
        mergeMetadata(object, 'labels', values);
        if (templates) labelTemplates(object, values);
        if (selectors) labelSelectors(object, values);
      }
      return resources;
    },
  };
}

function labelTemplates(object: MutableObject, values: Readonly<Record<string, string>>): void {
  const template = podTemplateOf(object);
  if (template !== undefined && template !== object) mergeMetadata(template, 'labels', values);
  const jobTemplate = object.kind === 'CronJob' ? recordAt(object, ['spec', 'jobTemplate']) : undefined;
  if (jobTemplate !== undefined) mergeMetadata(jobTemplate, 'labels', values);
}

// Selectors get new maps too: they may be shared with the labels they select.
function addToMatchLabels(holder: Record<string, unknown>, key: string, values: Readonly<Record<string, string>>): void {
  const selector = holder[key];
  if (!isRecord(selector)) return;
  holder[key] = { ...selector, matchLabels: { ...(isRecord(selector.matchLabels) ? selector.matchLabels : {}), ...values } };
}

function labelSelectors(object: MutableObject, values: Readonly<Record<string, string>>): void {
  const spec = recordAt(object, ['spec']);
  if (spec === undefined) return;
  if (SELECTOR_KINDS.has(object.kind) || object.kind === 'PodDisruptionBudget') addToMatchLabels(spec, 'selector', values);
  else if (object.kind === 'Service' && isRecord(spec.selector)) spec.selector = { ...spec.selector, ...values };
  else if (object.kind === 'NetworkPolicy') addToMatchLabels(spec, 'podSelector', values);
}
