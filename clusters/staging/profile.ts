// Staging: production's shape at a third of its size. Everything production runs is on
// here too (autoscaling, budgets, monitoring) except the canary, so that a release
// candidate is exercised by the same objects it will meet in production.
import { Environment } from 'strata-gitops';
import { baseProfile } from '../../base/profile.ts';
import lock from './images.json' with { type: 'json' };

export const staging = Environment.define(baseProfile, {
  name: 'staging',
  domain: 'staging.shop.example.com',
  replicas: { scale: 0.5, min: 2, maxFactor: 2 },
  certificateIssuer: 'letsencrypt-staging',
  images: lock.images,
});
