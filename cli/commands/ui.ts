// `strata ui`: serves the web UI on 127.0.0.1 (or --address) over the kubeconfig's contexts, with the user's own credentials.
import { pino } from 'pino';
import { loadKubeConfig } from '../../src/kube/index.ts';
import { UiServer } from '../../src/ui/index.ts';
import { defineCommand } from '../command.ts';

export const uiCommand = defineCommand({
  command: 'ui',
  describe: 'Serve the web UI (fleet of Syncs and ImageUpdates, live, reconcile/suspend/resume) on 127.0.0.1 with your kubeconfig credentials',
  builder: (yargs) =>
    yargs
      .option('kubeconfig', { type: 'string', describe: 'Kubeconfig file (default: $KUBECONFIG, ~/.kube/config)' })
      .option('context', { type: 'string', array: true, describe: 'Kubeconfig contexts to show (repeatable; default: the current one)' })
      .option('port', { type: 'number', default: 8090, describe: 'Port to listen on (0: any free one)' })
      .option('address', { type: 'string', default: '127.0.0.1', describe: 'Address to listen on; anything but 127.0.0.1 opens the UI to the network' })
      .example('$0 ui --context dev --context prod', 'both clusters on http://127.0.0.1:8090/'),
  handler: async (args) => {
    const names = args.context?.length ? args.context.map(String) : [undefined];
    const contexts = names.map((name) => {
      const kubeConfig = loadKubeConfig(args.kubeconfig, name);
      return { name: name ?? kubeConfig.getCurrentContext(), kubeConfig };
    });
    const server = new UiServer({ contexts, log: pino({ level: process.env.LOG_LEVEL ?? 'warn' }) });
    const url = await server.listen(args.port, args.address);
    process.stderr.write(`► Strata UI on ${url} (Ctrl-C stops it)\n`);
    await new Promise<void>((resolve) => process.once('SIGINT', resolve));
    await server.close();
  },
});
