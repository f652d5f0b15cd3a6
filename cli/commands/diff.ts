// `strata diff <cluster>`: server-side dry-run diff of deploy/<cluster>/ against the cluster,
// with what would be pruned. Exit 0 no difference, 1 difference, 2 error.
import path from 'node:path';
import { parseManifestFiles } from '../../src/manifest/index.ts';
import { KubeClient, loadKubeConfig } from '../../src/kube/index.ts';
import { diffLive, type DiffEntry } from '../../src/engine/index.ts';
import { ownerLabels } from '../../src/api/index.ts';
import { SyncClient, readSourceFiles } from '../../src/reconciler/index.ts';
import { ExitError } from '../errors.ts';
import { splitSyncName } from './_cluster-flags.ts';
import { defineCommand } from '../command.ts';

const SYMBOL: Record<DiffEntry['action'], string> = { create: '+', update: '~', delete: '-', none: '=', skip: '!' };

export const diffCommand = defineCommand({
  command: 'diff <cluster>',
  describe: 'Diff the compiled output of a cluster against the live cluster (server-side dry-run); exit 1 when they differ',
  builder: (yargs) =>
    yargs
      .positional('cluster', { type: 'string', demandOption: true, describe: 'Cluster name: reads <dir>/<cluster>/' })
      .option('live', { type: 'boolean', default: true, describe: 'Compare against the live cluster: the default and only mode (--live is still accepted)' })
      .option('dir', { type: 'string', default: 'deploy', describe: 'Folder of compiled clusters' })
      .option('kubeconfig', { type: 'string', describe: 'Kubeconfig file (default: $KUBECONFIG, ~/.kube/config)' })
      .option('sync', { type: 'string', describe: 'name or namespace/name of the Sync applying it: adds its owner labels and lists what it would prune' })
      .option('namespace', { alias: 'n', type: 'string', default: 'default', describe: 'Namespace of --sync' }),
  handler: async (args) => {
    if (!args.live) throw new ExitError('--no-live: the live cluster is the only thing strata diff compares with', 2);
    const files = await readSourceFiles(path.resolve(args.dir), args.cluster);
    const set = parseManifestFiles(files);
    const kubeConfig = loadKubeConfig(args.kubeconfig);
    const client = await KubeClient.fromKubeConfig(kubeConfig);
    try {
      let options = {};
      if (args.sync) {
        const { namespace, name } = splitSyncName(args.sync, args.namespace);
        const sync = await new SyncClient(kubeConfig).get(namespace, name);
        options = { ownerLabels: ownerLabels(name, namespace), inventory: sync.status?.inventory?.entries ?? [] };
      }
      const result = await diffLive(client, set, options);
      for (const entry of result.entries) {
        if (entry.action === 'none') continue;
        process.stdout.write(`${SYMBOL[entry.action]} ${entry.subject} ${entry.action}${entry.message ? `: ${entry.message}` : ''}\n`);
        if (entry.diff) process.stdout.write(entry.diff.endsWith('\n') ? entry.diff : `${entry.diff}\n`);
      }
      const counts = (action: DiffEntry['action']) => result.entries.filter((entry) => entry.action === action).length;
      process.stderr.write(`${counts('create')} to create, ${counts('update')} to update, ${counts('delete')} to prune, ${counts('none')} unchanged\n`);
      if (result.changed) throw new ExitError('', 1);
    } finally {
      client.close();
    }
  },
});
