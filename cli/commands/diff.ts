// `strata diff <cluster>`: server-side dry-run diff of deploy/<cluster>/ against the cluster,
// with what would be pruned. Exit 0 no difference, 1 difference, 2 error.
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { ManifestSet, parseManifestFiles } from '../../src/manifest/index.ts';
import { KubeClient, loadKubeConfig } from '../../src/kube/index.ts';
import { diffLive, type DiffEntry, type DiffOptions } from '../../src/engine/index.ts';
import { ownerLabels } from '../../src/api/index.ts';
import { SyncClient, readSourceFiles } from '../../src/reconciler/index.ts';
import { ROOT_UNIT, unitSyncName } from '../../src/gitops/root-sync.ts';
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
      .option('unit', { type: 'string', describe: 'Of a cluster compiled into units: diff only this unit (default: every unit, root first)' })
      .option('sync', { type: 'string', describe: 'name or namespace/name of the Sync applying it (the root Sync, for units: each unit with its own Sync <cluster>-<unit> beside it): adds its owner labels and lists what it would prune' })
      .option('namespace', { alias: 'n', type: 'string', default: 'default', describe: 'Namespace of --sync' }),
  handler: async (args) => {
    if (!args.live) throw new ExitError('--no-live: the live cluster is the only thing strata diff compares with', 2);
    const units = unitsOf(path.resolve(args.dir, args.cluster));
    if (args.unit !== undefined && !units.includes(args.unit)) {
      throw new ExitError(`--unit ${args.unit}: ${units.length > 0 ? `${args.dir}/${args.cluster}/ has the units ${units.join(', ')}` : `${args.dir}/${args.cluster}/ is not compiled into units`}`, 2);
    }
    const parts = units.length === 0 ? [undefined] : units.filter((unit) => args.unit === undefined || unit === args.unit);
    const kubeConfig = loadKubeConfig(args.kubeconfig);
    const client = await KubeClient.fromKubeConfig(kubeConfig);
    try {
      const totals = { create: 0, update: 0, delete: 0, none: 0, skip: 0 };
      let changed = false;
      // The units are applied one after another: a Namespace or CRD another unit creates is not missing.
      const sets = new Map<string | undefined, ManifestSet>();
      for (const unit of units.length === 0 ? [undefined] : units) sets.set(unit, parseManifestFiles(await readSourceFiles(path.resolve(args.dir), unit === undefined ? args.cluster : `${args.cluster}/${unit}`)));
      for (const unit of parts) {
        const set = sets.get(unit)!;
        const others = [...sets].filter(([name]) => name !== unit).flatMap(([, other]) => other.entries.map(({ object }) => ({ object })));
        let options: DiffOptions = others.length === 0 ? {} : { appliedBefore: ManifestSet.of(others) };
        if (args.sync) {
          const root = splitSyncName(args.sync, args.namespace);
          // A unit's Sync sits beside the root Sync; one not created yet has no inventory to prune.
          const name = unit === undefined || unit === ROOT_UNIT ? root.name : unitSyncName(args.cluster, unit);
          const sync = await new SyncClient(kubeConfig).get(root.namespace, name).catch((error: unknown) => {
            if (unit === undefined || unit === ROOT_UNIT) throw error;
            return undefined;
          });
          options = { ...options, ownerLabels: ownerLabels(name, root.namespace), inventory: sync?.status?.inventory?.entries ?? [] };
        }
        if (unit !== undefined) process.stdout.write(`unit ${unit} (${args.dir}/${args.cluster}/${unit}/):\n`);
        const result = await diffLive(client, set, options);
        for (const entry of result.entries) {
          totals[entry.action] += 1;
          if (entry.action === 'none') continue;
          process.stdout.write(`${SYMBOL[entry.action]} ${entry.subject} ${entry.action}${entry.message ? `: ${entry.message}` : ''}\n`);
          if (entry.diff) process.stdout.write(entry.diff.endsWith('\n') ? entry.diff : `${entry.diff}\n`);
        }
        changed ||= result.changed;
      }
      process.stderr.write(`${totals.create} to create, ${totals.update} to update, ${totals.delete} to prune, ${totals.none} unchanged\n`);
      if (changed) throw new ExitError('', 1);
    } finally {
      client.close();
    }
  },
});

/** The units of a compiled cluster folder (root first, then by name); empty for a cluster of one folder. */
function unitsOf(folder: string): string[] {
  if (existsSync(path.join(folder, 'index.json')) || !existsSync(folder)) return [];
  const units = readdirSync(folder, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && existsSync(path.join(folder, entry.name, 'index.json')))
    .map((entry) => entry.name)
    .sort();
  return units.includes(ROOT_UNIT) ? [ROOT_UNIT, ...units.filter((unit) => unit !== ROOT_UNIT)] : units;
}
