// Namespaces of the example shop, named once so apps and base components agree.
export const NAMESPACES = {
  /** Customer-facing services and front ends. */
  shop: 'shop',
  /** Batch jobs and data pipelines. */
  data: 'data',
  /** Prometheus rules and scrape configuration. */
  monitoring: 'monitoring',
} as const;

/** Namespaces that run our workloads (and so get the default-deny network baseline). */
export const WORKLOAD_NAMESPACES: readonly string[] = [NAMESPACES.shop, NAMESPACES.data];
