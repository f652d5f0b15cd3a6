// `npm run cluster:up [-- --no-workloads]`: a test cluster in the foreground, for humans.
// Prints the exports to use it; Ctrl-C stops it and removes its files.
import { startCluster } from './cluster.ts';
import { assertToolsBuilt, TestToolsError } from './tools.ts';

const workloads = !process.argv.includes('--no-workloads');
const log = (line: string): void => void process.stderr.write(`${line}\n`);
try {
  assertToolsBuilt(['etcd', 'kube-apiserver', ...(workloads ? (['kube-controller-manager', 'kube-scheduler', 'kwok'] as const) : [])]);
} catch (err) {
  log(err instanceof TestToolsError ? err.message : String(err));
  process.exit(1);
}
const cluster = await startCluster({ workloads, log });
process.stdout.write(
  `\nexport KUBECONFIG=${cluster.kubeconfigPath}\n` +
    `# contexts: admin (system:masters, current), alice, bob (no rights until bound)\n` +
    `# vitest can reuse this cluster: export STRATA_TEST_KUBECONFIG=${cluster.kubeconfigPath} STRATA_TEST_ETCD_URL=${cluster.etcdClientUrl}\n` +
    `# logs: ${cluster.dir}/logs — press Ctrl-C to stop\n`,
);
let stopping = false;
const stop = (signal: string): void => {
  if (stopping) return;
  stopping = true;
  log(`\n${signal}: stopping`);
  cluster.stop().then(
    () => process.exit(0),
    (err: unknown) => {
      log(String(err));
      process.exit(1);
    },
  );
};
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, () => stop(signal));
