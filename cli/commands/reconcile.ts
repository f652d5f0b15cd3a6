// `strata reconcile <sync> [--wait]`: asks the agent to reconcile now (annotation strata.dev/reconcile-requested-at).
import { SyncClient, findCondition } from '../../src/reconciler/index.ts';
import { ExitError } from '../errors.ts';
import { parseDurationFlag, splitSyncName, withClusterFlags } from './_cluster-flags.ts';
import { defineCommand } from '../command.ts';

export const reconcileCommand = defineCommand({
  command: 'reconcile <sync>',
  describe: 'Ask the agent to reconcile a Sync now; with --wait, wait for the result (exit 1 when not Ready)',
  builder: (yargs) =>
    withClusterFlags(yargs)
      .positional('sync', { type: 'string', demandOption: true, describe: 'name or namespace/name' })
      .option('wait', { type: 'boolean', default: false, describe: 'Wait until the agent handled the request' })
      .option('timeout', { type: 'string', default: '5m', describe: 'How long --wait waits' }),
  handler: async (args) => {
    const { namespace, name } = splitSyncName(args.sync, args.namespace);
    const timeoutMs = parseDurationFlag('timeout', args.timeout);
    const client = new SyncClient(args.kubeconfig);
    const requestedAt = await client.requestReconcile(namespace, name);
    process.stderr.write(`► reconcile of Sync ${namespace}/${name} requested\n`);
    if (!args.wait) return;
    const sync = await client.waitForReconcile(namespace, name, { requestedAt, timeoutMs });
    const ready = findCondition(sync.status, 'Ready');
    if (ready?.status === 'True') {
      process.stdout.write(`✔ ${ready.message}\n`);
      return;
    }
    throw new ExitError(`Sync ${namespace}/${name} is not Ready: ${ready?.reason ?? 'Unknown'}: ${ready?.message ?? ''}`, 1);
  },
});
