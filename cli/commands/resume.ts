// `strata resume <sync>`: resumes a suspended Sync and asks for a reconcile now.
import { SyncClient } from '../../src/reconciler/index.ts';
import { splitSyncName, withClusterFlags } from './_cluster-flags.ts';
import { defineCommand } from '../command.ts';

export const resumeCommand = defineCommand({
  command: 'resume <sync>',
  describe: 'Resume a suspended Sync and reconcile it now',
  builder: (yargs) => withClusterFlags(yargs).positional('sync', { type: 'string', demandOption: true, describe: 'name or namespace/name' }),
  handler: async (args) => {
    const { namespace, name } = splitSyncName(args.sync, args.namespace);
    const client = new SyncClient(args.kubeconfig);
    await client.setSuspended(namespace, name, false);
    await client.requestReconcile(namespace, name);
    process.stdout.write(`✔ Sync ${namespace}/${name} resumed\n`);
  },
});
