import type { KubeObject } from '../../manifest/index.ts';

/** A synthesized object as overlays see it: plain JSON they may change in place. */
export interface MutableObject {
  apiVersion: string;
  kind: string;
  metadata: MutableMeta;
  [field: string]: unknown;
}

export interface MutableMeta {
  name: string;
  namespace?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  [field: string]: unknown;
}

/** One object and the construct path (or overlay) it came from. */
export interface Resource {
  object: MutableObject;
  readonly source: string;
}

export interface OverlayContext {
  /** The cluster being built; generated objects' sources start with it. */
  readonly cluster: string;
  /** Records a problem; the cluster's synthesis fails once with all of them. */
  report(message: string): void;
}

/**
 * A typed, kustomize-style transform of a cluster's synthesized objects. Overlays run
 * in the order the cluster lists them, each over the previous one's output.
 */
export interface Overlay {
  /** Names the overlay in errors (`<cluster>/overlays/<name>`). */
  readonly name: string;
  apply(resources: Resource[], context: OverlayContext): Resource[];
}

/** Identifies the object an overlay targets. */
export interface ObjectSelector {
  readonly kind: string;
  readonly name: string;
  /** @default any namespace */
  readonly namespace?: string;
}

/** @internal */
export function matches(object: KubeObject, selector: ObjectSelector): boolean {
  return (
    object.kind === selector.kind &&
    object.metadata.name === selector.name &&
    (selector.namespace === undefined || (object.metadata.namespace ?? '') === selector.namespace)
  );
}

/** @internal */
export function describeSelector(selector: ObjectSelector): string {
  return selector.namespace === undefined ? `${selector.kind}/${selector.name}` : `${selector.kind}/${selector.namespace}/${selector.name}`;
}

/**
 * Applies `overlays` in order and returns the result; problems go to `report`.
 * @internal
 */
export function applyOverlays(resources: Resource[], overlays: readonly Overlay[], cluster: string, report: (path: string, message: string) => void): Resource[] {
  let current = resources;
  for (const overlay of overlays) {
    const path = `${cluster}/overlays/${overlay.name}`;
    current = overlay.apply(current, { cluster, report: (message) => report(path, message) });
  }
  return current;
}
