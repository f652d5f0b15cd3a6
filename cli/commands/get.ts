// `strata get syncs`: the Syncs with Ready, revision, age and message.
import type { CommandModule } from 'yargs';
import { stringify } from 'yaml';
import { findCondition } from '../../src/reconciler/status.ts';
import { SyncClient } from '../../src/reconciler/sync-client.ts';
import type { Sync } from '../../src/reconciler/sync-types.ts';
import { withClusterFlags, type ClusterFlags } from './_cluster-flags.ts';

interface GetArgs extends ClusterFlags {
  resource: 'syncs';
  output: 'table' | 'json' | 'yaml';
  'all-namespaces': boolean;
}

export const getCommand: CommandModule<object, GetArgs> = {
  command: 'get <resource>',
  describe: 'List Syncs with their Ready condition, revision, age and message',
  builder: (yargs) =>
    withClusterFlags(yargs)
      .positional('resource', { choices: ['syncs', 'sync'] as const, describe: 'What to list' })
      .option('all-namespaces', { alias: 'A', type: 'boolean', default: false, describe: 'List Syncs of every namespace' })
      .option('output', { alias: 'o', choices: ['table', 'json', 'yaml'] as const, default: 'table' as const, describe: 'Output format' }) as never,
  handler: async (args) => {
    const client = new SyncClient(args.kubeconfig);
    const syncs = await client.list(args['all-namespaces'] ? undefined : args.namespace);
    if (args.output === 'json') process.stdout.write(`${JSON.stringify({ apiVersion: 'v1', kind: 'List', items: syncs }, null, 2)}\n`);
    else if (args.output === 'yaml') process.stdout.write(stringify({ apiVersion: 'v1', kind: 'List', items: syncs }));
    else process.stdout.write(syncTable(syncs, new Date()));
  },
};

export function syncTable(syncs: readonly Sync[], now: Date): string {
  const rows = [['NAMESPACE', 'NAME', 'READY', 'REVISION', 'AGE', 'MESSAGE']];
  for (const sync of syncs) {
    const ready = findCondition(sync.status, 'Ready');
    const suspended = sync.spec.suspend ? ' (suspended)' : '';
    rows.push([
      sync.metadata.namespace ?? '',
      sync.metadata.name,
      `${ready?.status ?? 'Unknown'}${suspended}`,
      sync.status?.lastAppliedRevision ?? '',
      age(String((sync.metadata as { creationTimestamp?: string }).creationTimestamp ?? ''), now),
      (ready?.message ?? '').split('\n')[0]?.slice(0, 80) ?? '',
    ]);
  }
  if (rows.length === 1) return 'No Syncs found.\n';
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
