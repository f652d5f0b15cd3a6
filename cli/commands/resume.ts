// `strata resume <sync>`: resumes a suspended Sync and asks for a reconcile now.
import type { CommandModule } from 'yargs';
import { SyncClient } from '../../src/reconciler/index.ts';
import { splitSyncName, withClusterFlags, type ClusterFlags } from './_cluster-flags.ts';

interface ResumeArgs extends ClusterFlags {
  sync: string;
}

export const resumeCommand: CommandModule<object, ResumeArgs> = {
  command: 'resume <sync>',
  describe: 'Resume a suspended Sync and reconcile it now',
  builder: (yargs) => withClusterFlags(yargs).positional('sync', { type: 'string', demandOption: true, describe: 'name or namespace/name' }) as never,
  handler: async (args) => {
    const { namespace, name } = splitSyncName(args.sync, args.namespace);
    const client = new SyncClient(args.kubeconfig);
    await client.setSuspended(namespace, name, false);
    await client.requestReconcile(namespace, name);
    process.stdout.write(`✔ Sync ${namespace}/${name} resumed\n`);
  },
};
