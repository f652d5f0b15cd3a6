// `strata imageupdate suspend <name>`: stops running an ImageUpdate (spec.suspend: true).
import { ImageUpdateClient } from '../../src/images/index.ts';
import { splitSyncName, withClusterFlags } from './_cluster-flags.ts';
import { defineCommand } from '../command.ts';

export const imageUpdateSuspendCommand = defineCommand({
  command: 'suspend <name>',
  describe: 'Suspend an ImageUpdate: no runs (nothing scanned, committed or pushed) until it is resumed',
  builder: (yargs) => withClusterFlags(yargs, 'ImageUpdate').positional('name', { type: 'string', demandOption: true, describe: 'name or namespace/name' }),
  handler: async (args) => {
    const { namespace, name } = splitSyncName(args.name, args.namespace);
    await new ImageUpdateClient(args.kubeconfig).setSuspended(namespace, name, true);
    process.stdout.write(`✔ ImageUpdate ${namespace}/${name} suspended\n`);
  },
});
