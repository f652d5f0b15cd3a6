// `strata imageupdate reconcile <name> [--wait]`: asks the agent to run an ImageUpdate now (annotation strata.dev/reconcile-requested-at).
import { ImageUpdateClient, imageUpdateReady } from '../../src/images/index.ts';
import { ExitError } from '../errors.ts';
import { parseDurationFlag, splitSyncName, withClusterFlags } from './_cluster-flags.ts';
import { defineCommand } from '../command.ts';

export const imageUpdateReconcileCommand = defineCommand({
  command: 'reconcile <name>',
  describe: 'Ask the agent to run an ImageUpdate now; with --wait, wait for the run (exit 1 when not Ready)',
  builder: (yargs) =>
    withClusterFlags(yargs, 'ImageUpdate')
      .positional('name', { type: 'string', demandOption: true, describe: 'name or namespace/name' })
      .option('wait', { type: 'boolean', default: false, describe: 'Wait until the agent handled the request (status.lastHandledReconcileAt)' })
      .option('timeout', { type: 'string', default: '5m', describe: 'How long --wait waits (a run clones, scans and recompiles)' })
      .example('$0 imageupdate reconcile fleet --wait', 'run fleet now and print the result'),
  handler: async (args) => {
    const { namespace, name } = splitSyncName(args.name, args.namespace);
    const timeoutMs = parseDurationFlag('timeout', args.timeout);
    const client = new ImageUpdateClient(args.kubeconfig);
    const requestedAt = await client.requestRun(namespace, name);
    process.stderr.write(`► run of ImageUpdate ${namespace}/${name} requested\n`);
    if (!args.wait) return;
    const update = await client.waitForRun(namespace, name, { requestedAt, timeoutMs });
    const ready = imageUpdateReady(update);
    if (ready?.status === 'True') {
      process.stdout.write(`✔ ${ready.reason}: ${ready.message}\n`);
      return;
    }
    throw new ExitError(`ImageUpdate ${namespace}/${name} is not Ready: ${ready?.reason ?? 'Unknown'}: ${ready?.message ?? ''}`, 1);
  },
});
