// Backend services: HTTP APIs inside the cluster, built on the BackendService archetype.
// To add one, copy a file here, give it its own name, and list it below; then pin its
// image in every clusters/<env>/images.json.
import type { ComponentBuilder } from 'strata-gitops';
import { catalogApi } from './catalog-api.ts';
import { checkoutApi } from './checkout-api.ts';

export const backendServices: readonly ComponentBuilder[] = [checkoutApi, catalogApi];
