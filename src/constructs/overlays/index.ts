// Overlays: typed, kustomize-equivalent transforms of a cluster's synthesized objects.
import { annotations } from './annotations.ts';
import { configMapGenerator, secretGenerator } from './generators.ts';
import { images } from './images.ts';
import { jsonPatch } from './json-patch.ts';
import { labels } from './labels.ts';
import { namePrefix, nameSuffix } from './names.ts';
import { namespace } from './namespace.ts';
import { patch } from './patch.ts';
import { replicas } from './replicas.ts';

/**
 * Every overlay, by the name kustomize users know it under. A cluster applies them in
 * the order it lists them; the usual order is generators, namespace, name prefix or
 * suffix, labels and annotations, images, replicas, then patches.
 */
export const Overlays = {
  namespace,
  namePrefix,
  nameSuffix,
  labels,
  annotations,
  images,
  replicas,
  patch,
  jsonPatch,
  configMapGenerator,
  secretGenerator,
} as const;
