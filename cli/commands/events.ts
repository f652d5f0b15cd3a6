// `strata events <sync>`: the Kubernetes Events the agent recorded about a Sync.
import { SyncClient } from '../../src/reconciler/index.ts';
import { splitSyncName, withClusterFlags } from './_cluster-flags.ts';
import { defineCommand } from '../command.ts';

export const eventsCommand = defineCommand({
  command: 'events <sync>',
  describe: 'Show the Events of a Sync, oldest first, one line per changed object',
  builder: (yargs) => withClusterFlags(yargs).positional('sync', { type: 'string', demandOption: true, describe: 'name or namespace/name' }),
  handler: async (args) => {
    const { namespace, name } = splitSyncName(args.sync, args.namespace);
    const client = new SyncClient(args.kubeconfig);
    await client.get(namespace, name);
    const events = await client.events(namespace, name);
    if (events.length === 0) {
      process.stdout.write(`No events for Sync ${namespace}/${name}.\n`);
      return;
    }
    for (const event of events) {
      const [first = '', ...rest] = event.note.split('\n');
      process.stdout.write(`${event.time}  ${event.type.padEnd(7)}  ${event.reason.padEnd(24)}  ${first}\n`);
      for (const line of rest) process.stdout.write(`${' '.repeat(event.time.length + 37)}${line}\n`);
    }
  },
});
