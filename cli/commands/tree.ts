// `strata tree <sync>`: the objects a Sync manages (its inventory), grouped by namespace; the
// Syncs it applies (a cluster's units) with their own inventories beneath them.
import type { Sync } from '../../src/api/index.ts';
import { SyncClient, inventorySyncs, inventoryTree, syncKey } from '../../src/reconciler/index.ts';
import { splitSyncName, withClusterFlags } from './_cluster-flags.ts';
import { defineCommand } from '../command.ts';

export const treeCommand = defineCommand({
  command: 'tree <sync>',
  describe: "Show a Sync's inventory: every object it applied and would prune, and the inventories of the Syncs it applies (units)",
  builder: (yargs) =>
    withClusterFlags(yargs)
      .positional('sync', { type: 'string', demandOption: true, describe: 'name or namespace/name' })
      .option('nested', { type: 'boolean', default: true, describe: 'Draw the inventory of each Sync the inventory holds (a root Sync’s units) under it (--no-nested: this Sync only)' }),
  handler: async (args) => {
    const { namespace, name } = splitSyncName(args.sync, args.namespace);
    const client = new SyncClient(args.kubeconfig);
    const sync = await client.get(namespace, name);
    const nested = new Map<string, Sync>();
    const pending = args.nested ? inventorySyncs(sync) : [];
    while (pending.length > 0) {
      const next = pending.shift()!;
      const key = syncKey(next.namespace, next.name);
      if (nested.has(key) || key === syncKey(namespace, name)) continue;
      // A Sync of the inventory that is gone (pruned meanwhile) is drawn as a plain object.
      const child = await client.get(next.namespace, next.name).catch(() => undefined);
      if (child === undefined) continue;
      nested.set(key, child);
      pending.push(...inventorySyncs(child));
    }
    process.stdout.write(inventoryTree(sync, nested));
  },
});
