// `strata history <cluster>`: the applied revisions of an environment, read back from Git.
import type { Argv } from 'yargs';
import { readHistory, type AppliedRevision } from '../../src/gitops/history.ts';
import { liveRevision } from '../../src/gitops/live-revision.ts';
import { describeChange, describeCounts } from '../../src/gitops/object-changes.ts';
import { shortCommit } from '../../src/git/index.ts';
import { withOutputOption } from '../options.ts';
import { paint, printData } from '../output.ts';
import { defineCommand } from '../command.ts';

export const historyCommand = defineCommand({
  command: 'history <cluster>',
  describe: "The applied revisions of an environment: each commit that changed deploy/<cluster>/, who, when, why and which objects",
  builder: (yargs: Argv) =>
    withOutputOption(yargs)
      .positional('cluster', { type: 'string', demandOption: true, describe: 'The cluster (folder of deploy/)' })
      .option('dir', { alias: 'C', type: 'string', default: '.', normalize: true, describe: 'The repository work tree' })
      .option('ref', { type: 'string', default: 'HEAD', describe: 'Where the history starts (branch, tag or commit)' })
      .option('limit', { alias: 'n', type: 'number', describe: 'Show only the newest N revisions' })
      .option('objects', { type: 'boolean', default: true, describe: 'List the objects each revision added, changed and removed (--no-objects: counts only)' })
      .option('kubeconfig', { type: 'string', describe: 'Mark the revision the cluster runs (read from its root Sync)' })
      .option('context', { type: 'string', describe: 'Kubeconfig context (with --kubeconfig)' })
      .option('sync', { type: 'string', describe: 'namespace/name of the Sync to read (default: strata-system/<cluster>)' })
      .example('$0 history production', 'Newest first: revision, author, time, source commit, object changes')
      .example('$0 history production --kubeconfig ~/.kube/config --context prod -n 5', 'Also mark the revision the cluster runs')
      .example('$0 history production -o json', 'The same as data')
      .epilogue('Revisions are the first-parent commits of the branch that changed deploy/<cluster>/.\nExit codes: 0 shown; 2 error (no repository, unknown ref, Sync not found).'),
  handler: async (args) => {
    const runningRevision = args.kubeconfig !== undefined || args.context !== undefined
      ? await liveRevision({ cluster: args.cluster, ...(args.kubeconfig ? { kubeconfig: args.kubeconfig } : {}), ...(args.context ? { context: args.context } : {}), ...(args.sync ? { sync: args.sync } : {}) })
      : undefined;
    const history = await readHistory({ cluster: args.cluster, dir: args.dir, ref: args.ref, ...(args.limit === undefined ? {} : { limit: args.limit }), ...(runningRevision ? { runningRevision } : {}) });
    printData(args.output, history, () => {
      if (history.revisions.length === 0) return `No revisions of ${history.path}/ in ${args.ref}.`;
      const lines: string[] = [];
      if (history.running && !history.running.commit) lines.push(paint(`The cluster runs ${history.running.revision}, which is not in this history (fetch?)`, 'yellow'), '');
      for (const revision of history.revisions) lines.push(...describeRevision(revision, args.objects), '');
      return lines.join('\n');
    });
  },
});

function describeRevision(revision: AppliedRevision, objects: boolean): string[] {
  const marks = [revision.running ? paint('running', 'green') : '', revision.rollbackTo ? paint(`rollback to ${shortCommit(revision.rollbackTo)}`, 'yellow') : ''].filter(Boolean);
  const sign = { added: paint('+', 'green'), changed: paint('~', 'yellow'), removed: paint('-', 'red') } as const;
  return [
    `${paint(`revision ${shortCommit(revision.commit)}`, 'bold')}${marks.length > 0 ? ` (${marks.join(', ')})` : ''}`,
    `Author:  ${revision.author.name} <${revision.author.email}>`,
    `Date:    ${revision.time}`,
    ...(revision.sourceCommit ? [`Source:  ${shortCommit(revision.sourceCommit)}`] : []),
    `Objects: ${describeCounts(revision.counts)}`,
    ...(revision.digest ? [`Digest:  ${revision.digest}`] : []),
    '',
    ...revision.message.split('\n').map((line) => `    ${line}`.trimEnd()),
    ...(objects && revision.changes.length > 0 ? ['', ...revision.changes.map((change) => `  ${sign[change.action]} ${describeChange(change)}`)] : []),
  ];
}
