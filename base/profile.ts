// The base environment profile: the values every cluster starts from. Each
// clusters/<env>/profile.ts merges its own values over these (objects merge,
// arrays replace), so this file holds the sensible, production-leaning defaults
// and environments only say how they differ.
import type { EnvironmentProfile } from 'strata-gitops';

export const baseProfile: EnvironmentProfile = {
  name: 'base',
  domain: 'shop.example.com',
  // Components declare their replicas for production-like load; environments scale them.
  replicas: { scale: 1, min: 1, maxFactor: 3 },
  resourceTier: 'small',
  logLevel: 'info',
  features: {
    canary: false,
    serviceMonitors: true,
    networkPolicies: true,
    podDisruptionBudgets: true,
    autoscaling: true,
  },
  ingressClassName: 'nginx',
  certificateIssuer: 'letsencrypt',
  // Image tags never live here: each environment pins its own in clusters/<env>/images.json.
  images: {},
  components: {},
};
