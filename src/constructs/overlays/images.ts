import { containersOf, podSpecOf } from './_kinds.ts';
import type { Overlay, OverlayContext, Resource } from './overlay.ts';

/** One image override (kustomize's `images:` entry). */
export interface ImageOverride {
  /** The image to change, without tag or digest: `ghcr.io/acme/api`. */
  readonly name: string;
  /** @default the same name */
  readonly newName?: string;
  /** @default the current tag */
  readonly newTag?: string;
  /** `sha256:...`; replaces any tag. @default none */
  readonly digest?: string;
}

/** An image reference split into name, tag and digest. */
export interface ImageReference {
  readonly name: string;
  readonly tag?: string;
  readonly digest?: string;
}

/** Splits `registry:5000/team/app:1.2@sha256:...`; a colon before the last `/` is a port, not a tag. */
export function parseImage(reference: string): ImageReference {
  const at = reference.indexOf('@');
  const digest = at >= 0 ? reference.slice(at + 1) : undefined;
  const rest = at >= 0 ? reference.slice(0, at) : reference;
  const colon = rest.lastIndexOf(':');
  const tagged = colon > rest.lastIndexOf('/');
  return {
    name: tagged ? rest.slice(0, colon) : rest,
    ...(tagged ? { tag: rest.slice(colon + 1) } : {}),
    ...(digest === undefined ? {} : { digest }),
  };
}

/** @internal */
export function formatImage(image: ImageReference): string {
  if (image.digest !== undefined) return `${image.name}@${image.digest}`;
  return image.tag === undefined ? image.name : `${image.name}:${image.tag}`;
}

/**
 * Rewrites container images (init, regular and ephemeral containers of every
 * workload). An override that matches no container is reported: in a per-environment
 * overlay it is a typo, not a no-op.
 */
export function images(overrides: readonly ImageOverride[]): Overlay {
  return {
    name: 'images',
    apply(resources: Resource[], context: OverlayContext): Resource[] {
      const used = new Set<ImageOverride>();
      const byName = new Map<string, ImageOverride>();
      // The first override of a name wins, as in kustomize.
      for (const override of overrides) if (!byName.has(override.name)) byName.set(override.name, override);
      for (const { object } of resources) {
        const spec = podSpecOf(object);
        if (spec === undefined) continue;
        for (const container of containersOf(spec)) {
          if (typeof container.image !== 'string') continue;
          const current = parseImage(container.image);
          const override = byName.get(current.name);
          if (override === undefined) continue;
          used.add(override);
          const digest = override.digest ?? (override.newTag === undefined ? current.digest : undefined);
          const tag = override.newTag ?? current.tag;
          container.image = formatImage({ name: override.newName ?? current.name, ...(tag === undefined ? {} : { tag }), ...(digest === undefined ? {} : { digest }) });
        }
      }
      for (const override of overrides) if (!used.has(override)) context.report(`image override "${override.name}" matches no container`);
      return resources;
    },
  };
}
