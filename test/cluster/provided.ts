// What vitest's globalSetup hands the test files (through `provide` / `inject`).
export interface ProvidedCluster {
  /** Kubeconfig with contexts `admin` (current), `alice` and `bob`. */
  readonly kubeconfigPath: string;
  readonly server: string;
  /**
   * etcd's client URL (http, no auth), for tests that compact it (see etcd.ts). Absent when
   * vitest uses a cluster of STRATA_TEST_KUBECONFIG without STRATA_TEST_ETCD_URL.
   */
  readonly etcdClientUrl?: string;
  /** True when controller-manager, scheduler and kwok run, so workloads roll out. */
  readonly workloads: boolean;
}

declare module 'vitest' {
  export interface ProvidedContext {
    /** The shared test cluster; null when disabled with STRATA_TEST_CLUSTER=0. */
    strataCluster: ProvidedCluster | null;
  }
}
