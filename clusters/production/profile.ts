// Production: full replica counts, bigger resources, Flagger canaries on, and a
// per-component override where one service needs more than its tier.
import { Environment } from 'strata-gitops';
import { baseProfile } from '../../base/profile.ts';
import lock from './images.json' with { type: 'json' };

export const production = Environment.define(baseProfile, {
  name: 'production',
  domain: 'shop.example.com',
  replicas: { scale: 1, min: 2, maxFactor: 4 },
  resourceTier: 'medium',
  logLevel: 'warn',
  features: { canary: true },
  images: lock.images,
  components: {
    // The catalogue cache is memory-hungry at production's catalogue size.
    'catalog-api': { resourceTier: 'large', replicas: 6 },
  },
});
