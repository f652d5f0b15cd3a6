// Namespaces of the example shop, named once so apps and base components agree.
export const NAMESPACES = {
  /** Customer-facing services and front ends. */
  shop: 'shop',
  /** Batch jobs and data pipelines. */
  data: 'data',
  /** The Prometheus operator, Prometheus rules and scrape configuration. */
  monitoring: 'monitoring',
  /** The ingress controller (ingress-nginx). */
  ingress: 'ingress-nginx',
  /** cert-manager, which issues the Ingress certificates. */
  certManager: 'cert-manager',
  /** Flagger, which runs the canary analyses (clusters with the `canary` feature). */
  flagger: 'flagger-system',
} as const;

/** Namespaces that run our workloads (and so get the default-deny network baseline). */
export const WORKLOAD_NAMESPACES: readonly string[] = [NAMESPACES.shop, NAMESPACES.data];
