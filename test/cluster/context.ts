// For test files: the shared cluster started by vitest's globalSetup.
//   const kc = testKubeConfig();            // admin
//   const ns = await createTestNamespace(kc, 'apply');
import { KubeConfig } from '@kubernetes/client-node';
import { inject } from 'vitest';
import type { TestUser } from './kubeconfig.ts';
import type { ProvidedCluster } from './provided.ts';

export type { ProvidedCluster } from './provided.ts';
export type { TestUser } from './kubeconfig.ts';

/** The shared cluster; throws with what to do when the globalSetup did not start one. */
export function testCluster(): ProvidedCluster {
  const cluster = inject('strataCluster');
  if (!cluster) {
    throw new Error(
      'no test cluster: it was disabled with STRATA_TEST_CLUSTER=0, or vitest ran without ' +
        'test/cluster/global-setup.ts (use the repository vitest.config.ts)',
    );
  }
  return cluster;
}

/** A client config of the shared cluster for one user (`admin` is in system:masters). */
export function testKubeConfig(user: TestUser = 'admin'): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromFile(testCluster().kubeconfigPath);
  kc.setCurrentContext(user);
  return kc;
}

/** The shared cluster's etcd client URL; throws with what to do when it is not known. */
export function testEtcdUrl(): string {
  const url = testCluster().etcdClientUrl;
  if (!url) {
    throw new Error(
      "the test cluster's etcd URL is not known: with STRATA_TEST_KUBECONFIG, also set " +
        'STRATA_TEST_ETCD_URL (npm run cluster:up prints both)',
    );
  }
  return url;
}
