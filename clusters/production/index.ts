// The production cluster: the shared composition (base/index.ts) built with the production
// profile, then adapted by the overlays below.
import { Cluster } from '../../src/constructs/index.ts';
import { layers } from '../../base/index.ts';
import { production } from './profile.ts';

export default new Cluster({
  environment: production,
  layers,
  overlays: [],
});
