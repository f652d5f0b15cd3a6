// The staging cluster: the shared composition (base/index.ts) built with the staging
// profile, then adapted by the overlays below.
import { Cluster } from '../../src/constructs/index.ts';
import { layers } from '../../base/index.ts';
import { staging } from './profile.ts';

export default new Cluster({
  environment: staging,
  layers,
  overlays: [],
});
