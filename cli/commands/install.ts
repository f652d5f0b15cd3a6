// `strata install`: applies (or with --export prints) the agent's CRDs, namespace, RBAC and
// Deployment, without a Git repository; `strata bootstrap` then points it at one.
import type { Argv } from 'yargs';
import { installAgent, installManifests, type InstallOptions } from '../../src/install/index.ts';
import { KubeClient, loadKubeConfig } from '../../src/kube/index.ts';
import { toCanonicalYaml } from '../../src/manifest/index.ts';
import { defineCommand } from '../command.ts';
import { ExitError } from '../errors.ts';
import { paint } from '../output.ts';

export const installCommand = defineCommand({
  command: 'install',
  describe: "Install the agent without Git: its CRDs, namespace, RBAC and Deployment (idempotent); --export prints them as YAML",
  builder: (yargs: Argv) =>
    yargs
      .option('export', { type: 'boolean', default: false, describe: 'Print the objects as YAML on stdout instead of applying them (no cluster needed)' })
      .option('kubeconfig', { type: 'string', describe: 'Kubeconfig file (default: $KUBECONFIG, ~/.kube/config)' })
      .option('context', { type: 'string', describe: 'Kubeconfig context (default: the current one)' })
      .option('namespace', { alias: 'n', type: 'string', default: 'strata-system', describe: "The agent's namespace" })
      .option('image', { type: 'string', describe: 'The agent image (default: strata/agent:<version of this package>)' })
      .option('replicas', { type: 'number', default: 2, describe: 'Agent replicas (one leads, the others stand by)' })
      .option('applier-cluster-role', { type: 'string', default: 'cluster-admin', describe: 'ClusterRole that Syncs without serviceAccountName apply as' })
      .option('agent-arg', { type: 'string', array: true, default: [], describe: 'Extra argument of `strata agent` in the Deployment (repeatable)' })
      .option('locked-down', { type: 'boolean', default: false, describe: "For a shared cluster: Syncs without serviceAccountName apply as strata-applier of their own namespace, no cross-namespace references, file:// only in the agent's namespace" })
      .example('$0 install --context kind-dev', 'Install the agent into a cluster')
      .example('$0 install --export --image registry.example.com/strata-agent:0.1.0 > strata-system.yaml', 'Write the manifests for review or another tool')
      .epilogue('A second run changes nothing (server-side apply).\nExit codes: 0 installed or printed; 2 error.'),
  handler: async (args) => {
    if (!Number.isInteger(args.replicas) || args.replicas < 1) throw new ExitError(`--replicas: ${args.replicas} is not a positive whole number`, 2);
    const options: InstallOptions = {
      namespace: args.namespace,
      replicas: args.replicas,
      applierClusterRole: args['applier-cluster-role'],
      agentArgs: args['agent-arg'],
      lockedDown: args['locked-down'],
      ...(args.image === undefined ? {} : { image: args.image }),
    };
    if (args.export) {
      process.stdout.write(installManifests(options).entries.map((entry) => toCanonicalYaml(entry.object)).join('---\n'));
      return;
    }
    let kubeConfig;
    try {
      kubeConfig = loadKubeConfig(args.kubeconfig, args.context);
    } catch (error) {
      throw new ExitError(`cannot use the kubeconfig: ${(error as Error).message}`, 2);
    }
    const client = await KubeClient.fromKubeConfig(kubeConfig);
    try {
      const result = await installAgent(client, options);
      for (const entry of result.entries) process.stderr.write(`${paint('✔', 'green')} ${entry.subject} ${entry.action}\n`);
      process.stderr.write(`Installed in ${kubeConfig.getCurrentCluster()?.server ?? 'the cluster'}. Next: strata bootstrap --repo <url> --cluster <name>\n`);
    } finally {
      client.close();
    }
  },
});
