// `strata suspend <sync>`: stops reconciling a Sync (spec.suspend: true).
import type { CommandModule } from 'yargs';
import { SyncClient } from '../../src/reconciler/index.ts';
import { splitSyncName, withClusterFlags, type ClusterFlags } from './_cluster-flags.ts';

interface SuspendArgs extends ClusterFlags {
  sync: string;
}

export const suspendCommand: CommandModule<object, SuspendArgs> = {
  command: 'suspend <sync>',
  describe: 'Suspend a Sync: nothing is applied or pruned until it is resumed',
  builder: (yargs) => withClusterFlags(yargs).positional('sync', { type: 'string', demandOption: true, describe: 'name or namespace/name' }) as never,
  handler: async (args) => {
    const { namespace, name } = splitSyncName(args.sync, args.namespace);
    await new SyncClient(args.kubeconfig).setSuspended(namespace, name, true);
    process.stdout.write(`✔ Sync ${namespace}/${name} suspended\n`);
  },
};
