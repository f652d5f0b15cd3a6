// vitest globalSetup: one cluster (with workloads) per test run, handed to the test files as
// `inject('strataCluster')` (see context.ts).
//   STRATA_TEST_CLUSTER=0            start none (unit tests only; cluster tests then fail)
//   STRATA_TEST_KUBECONFIG=<path>    use a running cluster, e.g. from `npm run cluster:up`
//   STRATA_TEST_ETCD_URL=<url>       with it: that cluster's etcd client URL (printed by cluster:up)
//   STRATA_TOOLS_AUTOBUILD=0         fail instead of building missing binaries
import { readFileSync } from 'node:fs';
import type { TestProject } from 'vitest/node';
import { parse } from 'yaml';
import { startCluster } from './cluster.ts';
import './provided.ts';
import { assertGitTools } from '../git/git-server.ts';
import { registryV3Binary } from '../registry/tools.ts';
import { helmBinary } from '../../src/charts/index.ts';
import { ALL_TOOLS, assertToolsBuilt, buildTools, goVersion, missingTools } from './tools.ts';

const log = (line: string): void => void process.stderr.write(`[test cluster] ${line}\n`);

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  if (process.env['STRATA_TEST_CLUSTER'] === '0') {
    log('not started (STRATA_TEST_CLUSTER=0): tests that need it will fail');
    project.provide('strataCluster', null);
    return async () => {};
  }
  const external = process.env['STRATA_TEST_KUBECONFIG'];
  if (external) {
    const config = parse(readFileSync(external, 'utf8')) as { clusters?: { cluster?: { server?: string } }[] };
    const server = config.clusters?.[0]?.cluster?.server ?? '';
    log(`using the running cluster of ${external} (${server})`);
    const etcdClientUrl = process.env['STRATA_TEST_ETCD_URL'];
    project.provide('strataCluster', { kubeconfigPath: external, server, workloads: true, ...(etcdClientUrl ? { etcdClientUrl } : {}) });
    return async () => {};
  }
  if (missingTools(ALL_TOOLS).length > 0 && goVersion() && process.env['STRATA_TOOLS_AUTOBUILD'] !== '0') {
    log('binaries missing: building them now (same as `npm run tools:build`)');
    await buildTools({ log });
  }
  assertToolsBuilt(ALL_TOOLS);
  assertGitTools();
  // The image tests' registry: built here once rather than by each test file that starts one.
  await registryV3Binary(log);
  // The pinned Helm the chart tests render with (tools/helm/go.mod), built once per machine.
  helmBinary(log);
  const cluster = await startCluster({ workloads: true, log: process.env['STRATA_CLUSTER_VERBOSE'] ? log : undefined });
  log(`started at ${cluster.server} (kubeconfig ${cluster.kubeconfigPath})`);
  project.provide('strataCluster', {
    kubeconfigPath: cluster.kubeconfigPath,
    server: cluster.server,
    etcdClientUrl: cluster.etcdClientUrl,
    workloads: cluster.workloads,
  });
  return async () => {
    await cluster.stop();
  };
}
