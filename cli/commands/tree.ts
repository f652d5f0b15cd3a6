// `strata tree <sync>`: the objects a Sync manages (its inventory), grouped by namespace.
import type { CommandModule } from 'yargs';
import { SyncClient, inventoryTree } from '../../src/reconciler/index.ts';
import { splitSyncName, withClusterFlags, type ClusterFlags } from './_cluster-flags.ts';

interface TreeArgs extends ClusterFlags {
  sync: string;
}

export const treeCommand: CommandModule<object, TreeArgs> = {
  command: 'tree <sync>',
  describe: "Show a Sync's inventory: every object it applied and would prune",
  builder: (yargs) => withClusterFlags(yargs).positional('sync', { type: 'string', demandOption: true, describe: 'name or namespace/name' }) as never,
  handler: async (args) => {
    const { namespace, name } = splitSyncName(args.sync, args.namespace);
    const sync = await new SyncClient(args.kubeconfig).get(namespace, name);
    process.stdout.write(inventoryTree(sync));
  },
};
