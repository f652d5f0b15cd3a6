// `strata tree <sync>`: the objects a Sync manages (its inventory), grouped by namespace.
import { SyncClient, inventoryTree } from '../../src/reconciler/index.ts';
import { splitSyncName, withClusterFlags } from './_cluster-flags.ts';
import { defineCommand } from '../command.ts';

export const treeCommand = defineCommand({
  command: 'tree <sync>',
  describe: "Show a Sync's inventory: every object it applied and would prune",
  builder: (yargs) => withClusterFlags(yargs).positional('sync', { type: 'string', demandOption: true, describe: 'name or namespace/name' }),
  handler: async (args) => {
    const { namespace, name } = splitSyncName(args.sync, args.namespace);
    const sync = await new SyncClient(args.kubeconfig).get(namespace, name);
    process.stdout.write(inventoryTree(sync));
  },
});
