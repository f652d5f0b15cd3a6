// `strata imageupdate resume <name>`: resumes a suspended ImageUpdate and asks for a run now.
import { ImageUpdateClient } from '../../src/images/index.ts';
import { splitSyncName, withClusterFlags } from './_cluster-flags.ts';
import { defineCommand } from '../command.ts';

export const imageUpdateResumeCommand = defineCommand({
  command: 'resume <name>',
  describe: 'Resume a suspended ImageUpdate and run it now',
  builder: (yargs) => withClusterFlags(yargs, 'ImageUpdate').positional('name', { type: 'string', demandOption: true, describe: 'name or namespace/name' }),
  handler: async (args) => {
    const { namespace, name } = splitSyncName(args.name, args.namespace);
    await new ImageUpdateClient(args.kubeconfig).resume(namespace, name);
    process.stdout.write(`✔ ImageUpdate ${namespace}/${name} resumed\n`);
  },
});
