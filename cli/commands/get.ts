// `strata get syncs|imageupdates`: Syncs with Ready, revision, age, shard and message; ImageUpdates with Ready, reason, last push and run.
import { ImageUpdateClient, imageUpdateReady } from '../../src/images/index.ts';
import { shardOf, type ImageUpdate, type Sync } from '../../src/api/index.ts';
import { SyncClient, findCondition } from '../../src/reconciler/index.ts';
import { withClusterFlags } from './_cluster-flags.ts';
import { withOutputOption } from '../options.ts';
import { printData } from '../output.ts';
import { defineCommand } from '../command.ts';

const RESOURCES = ['syncs', 'sync', 'imageupdates', 'imageupdate'] as const;

export const getCommand = defineCommand({
  command: 'get <resource>',
  describe: 'List Syncs (revision, age) or ImageUpdates (reason, last push, last run) with their Ready condition and message',
  builder: (yargs) =>
    withOutputOption(withClusterFlags(yargs, 'Sync or ImageUpdate'))
      .positional('resource', { choices: RESOURCES, describe: 'What to list' })
      .option('all-namespaces', { alias: 'A', type: 'boolean', default: false, describe: 'List the objects of every namespace' })
      .example('$0 get syncs -A', 'every Sync: READY, REVISION, AGE, SHARD (its strata.dev/shard label; empty: the default shard), MESSAGE')
      .example('$0 get imageupdates -n strata-system', 'READY, REASON, LAST PUSH (short commit), LAST RUN (age), MESSAGE'),
  handler: async (args) => {
    const namespace = args['all-namespaces'] ? undefined : args.namespace;
    const imageUpdates = args.resource === 'imageupdates' || args.resource === 'imageupdate';
    const items = imageUpdates ? await new ImageUpdateClient(args.kubeconfig).list(namespace) : await new SyncClient(args.kubeconfig).list(namespace);
    // text is the table; json and yaml are a kubectl-style List.
    printData(args.output, { apiVersion: 'v1', kind: 'List', items }, () =>
      imageUpdates ? imageUpdateTable(items as ImageUpdate[], new Date()) : syncTable(items as Sync[], new Date()),
    );
  },
});

export function syncTable(syncs: readonly Sync[], now: Date): string {
  const rows = [['NAMESPACE', 'NAME', 'READY', 'REVISION', 'AGE', 'SHARD', 'MESSAGE']];
  for (const sync of syncs) {
    const ready = findCondition(sync.status, 'Ready');
    const suspended = sync.spec.suspend ? ' (suspended)' : '';
    rows.push([
      sync.metadata.namespace ?? '',
      sync.metadata.name,
      `${ready?.status ?? 'Unknown'}${suspended}`,
      sync.status?.lastAppliedRevision ?? '',
      age(String((sync.metadata as { creationTimestamp?: string }).creationTimestamp ?? ''), now),
      shardOf(sync) ?? '',
      (ready?.message ?? '').split('\n')[0]?.slice(0, 80) ?? '',
    ]);
  }
  return rows.length === 1 ? 'No Syncs found.\n' : table(rows);
}

export function imageUpdateTable(updates: readonly ImageUpdate[], now: Date): string {
  const rows = [['NAMESPACE', 'NAME', 'READY', 'REASON', 'LAST PUSH', 'LAST RUN', 'MESSAGE']];
  for (const update of updates) {
    const ready = imageUpdateReady(update);
    const suspended = update.spec.suspend ? ' (suspended)' : '';
    rows.push([
      update.metadata.namespace ?? '',
      update.metadata.name,
      `${ready?.status ?? 'Unknown'}${suspended}`,
      ready?.reason ?? '',
      // Git's default abbreviation; the full commit is in -o json|yaml.
      (update.status?.lastPushedCommit ?? '').slice(0, 7),
      update.status?.lastRunTime ? age(update.status.lastRunTime, now) : '',
      (ready?.message ?? '').split('\n')[0]?.slice(0, 80) ?? '',
    ]);
  }
  return rows.length === 1 ? 'No ImageUpdates found.\n' : table(rows);
}

/** Columns padded to their widest cell, the last one left as it is. */
function table(rows: readonly (readonly string[])[]): string {
  const widths = rows[0]?.map((_, column) => Math.max(...rows.map((row) => (row[column] ?? '').length))) ?? [];
  return rows.map((row) => row.map((cell, column) => (column === row.length - 1 ? cell : cell.padEnd(widths[column] ?? 0))).join('  ').trimEnd()).join('\n') + '\n';
}

function age(created: string, now: Date): string {
  const ms = now.getTime() - Date.parse(created);
  if (!Number.isFinite(ms)) return '';
  const s = Math.floor(ms / 1000);
  if (s < 120) return `${s}s`;
  if (s < 7200) return `${Math.floor(s / 60)}m`;
  if (s < 172800) return `${Math.floor(s / 3600)}h`;
  return `${Math.floor(s / 86400)}d`;
}
