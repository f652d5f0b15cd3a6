// `strata suspend <sync>`: stops reconciling a Sync (spec.suspend: true).
import { SyncClient } from '../../src/reconciler/index.ts';
import { splitSyncName, withClusterFlags } from './_cluster-flags.ts';
import { defineCommand } from '../command.ts';

export const suspendCommand = defineCommand({
  command: 'suspend <sync>',
  describe: 'Suspend a Sync: nothing is applied or pruned until it is resumed',
  builder: (yargs) => withClusterFlags(yargs).positional('sync', { type: 'string', demandOption: true, describe: 'name or namespace/name' }),
  handler: async (args) => {
    const { namespace, name } = splitSyncName(args.sync, args.namespace);
    await new SyncClient(args.kubeconfig).setSuspended(namespace, name, true);
    process.stdout.write(`✔ Sync ${namespace}/${name} suspended\n`);
  },
});
