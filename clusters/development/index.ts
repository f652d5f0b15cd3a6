// The development cluster: the shared composition (base/index.ts) built with the development
// profile, then adapted by the overlays below.
import { Cluster } from '../../src/constructs/index.ts';
import { layers } from '../../base/index.ts';
import { development } from './profile.ts';

export default new Cluster({
  environment: development,
  layers,
  overlays: [],
});
