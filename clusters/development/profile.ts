// Development: one small replica of everything, verbose logs, no autoscaling or
// disruption budgets (they only get in the way of a laptop-sized cluster).
import { Environment } from 'strata-gitops';
import { baseProfile } from '../../base/profile.ts';
import lock from './images.json' with { type: 'json' };

export const development = Environment.define(baseProfile, {
  name: 'development',
  domain: 'dev.shop.example.com',
  replicas: { scale: 0.25, min: 1, maxFactor: 1 },
  logLevel: 'debug',
  features: { autoscaling: false, podDisruptionBudgets: false, serviceMonitors: false },
  certificateIssuer: 'letsencrypt-staging',
  images: lock.images,
});
