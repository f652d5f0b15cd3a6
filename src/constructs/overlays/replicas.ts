import { recordAt } from './_json.ts';
import { matches, describeSelector, type Overlay, type OverlayContext, type Resource } from './overlay.ts';

export interface ReplicaOverride {
  readonly name: string;
  /** @default 'Deployment' */
  readonly kind?: 'Deployment' | 'StatefulSet' | 'ReplicaSet';
  /** @default any namespace */
  readonly namespace?: string;
  readonly count: number;
}

/**
 * Sets replica counts (kustomize's `replicas:`). When a HorizontalPodAutoscaler
 * targets the workload, the autoscaler owns the count: its `minReplicas` is set
 * instead (and `maxReplicas` raised to match if needed), and the workload's
 * `replicas` stays unset so that applying never fights the autoscaler.
 */
export function replicas(overrides: readonly ReplicaOverride[]): Overlay {
  return {
    name: 'replicas',
    apply(resources: Resource[], context: OverlayContext): Resource[] {
      // Indexed once, so a fleet-wide list of overrides stays linear.
      const byName = new Map<string, Resource[]>();
      const autoscalers = new Map<string, Resource>();
      for (const resource of resources) {
        const { object } = resource;
        const key = `${object.kind}/${object.metadata.name}`;
        byName.set(key, [...(byName.get(key) ?? []), resource]);
        const ref = object.kind === 'HorizontalPodAutoscaler' ? recordAt(object, ['spec', 'scaleTargetRef']) : undefined;
        if (ref !== undefined) autoscalers.set(`${object.metadata.namespace ?? ''}/${String(ref.kind)}/${String(ref.name)}`, resource);
      }
      for (const override of overrides) {
        const selector = { kind: override.kind ?? 'Deployment', name: override.name, ...(override.namespace === undefined ? {} : { namespace: override.namespace }) };
        if (!Number.isInteger(override.count) || override.count < 0) {
          context.report(`${describeSelector(selector)}: replicas must be a whole number ≥ 0, got ${override.count}`);
          continue;
        }
        const targets = (byName.get(`${selector.kind}/${selector.name}`) ?? []).filter(({ object }) => matches(object, selector));
        if (targets.length === 0) context.report(`${describeSelector(selector)}: no such object to set replicas on`);
        for (const { object } of targets) {
          const autoscaler = autoscalers.get(`${object.metadata.namespace ?? ''}/${object.kind}/${object.metadata.name}`);
          const hpaSpec = autoscaler === undefined ? undefined : recordAt(autoscaler.object, ['spec']);
          if (hpaSpec !== undefined) {
            hpaSpec.minReplicas = override.count;
            if (typeof hpaSpec.maxReplicas !== 'number' || hpaSpec.maxReplicas < override.count) hpaSpec.maxReplicas = override.count;
            continue;
          }
          const spec = recordAt(object, ['spec']);
          if (spec === undefined) context.report(`${describeSelector(selector)}: has no spec`);
          else spec.replicas = override.count;
        }
      }
      return resources;
    },
  };
}
