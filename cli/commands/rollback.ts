// `strata rollback <cluster> [--to <revision>]`: one commit restoring deploy/<cluster>/ to a revision.
import type { Argv } from 'yargs';
import { rollback } from '../../src/gitops/rollback.ts';
import { describeCounts } from '../../src/gitops/object-changes.ts';
import { shortCommit } from '../../src/git/index.ts';
import { withOutputOption } from '../options.ts';
import { printData } from '../output.ts';
import { defineCommand } from '../command.ts';

export const rollbackCommand = defineCommand({
  command: 'rollback <cluster>',
  describe: "Undo an environment's compiled changes after a revision with one new commit (deploy/<cluster>/ only)",
  builder: (yargs: Argv) =>
    withOutputOption(yargs)
      .positional('cluster', { type: 'string', demandOption: true, describe: 'The cluster (folder of deploy/)' })
      .option('to', { type: 'string', describe: 'Revision to return to: commit, tag or main@sha1:<hash> (default: the one before the newest; see `strata history`)' })
      .option('unit', { type: 'string', describe: 'Roll back only this unit, deploy/<cluster>/<unit>/, of a cluster compiled into units' })
      .option('reason', { type: 'string', describe: 'Why; written into the commit message' })
      .option('dir', { alias: 'C', type: 'string', default: '.', normalize: true, describe: 'The repository work tree' })
      .option('push', { type: 'boolean', default: false, describe: 'Push the commit (the agent then applies it like any revision)' })
      .option('remote', { type: 'string', default: 'origin', describe: 'Remote pushed to' })
      .option('branch', { type: 'string', describe: 'Branch pushed to (default: the checked-out branch)' })
      .option('dry-run', { type: 'boolean', default: false, describe: 'Show what would be rolled back; commit nothing' })
      .example('$0 rollback production --to 1a2b3c4d --reason "checkout 500s" --push', 'Return production to 1a2b3c4d and push')
      .example('$0 rollback production --unit apps --to 1a2b3c4d', 'Return only the apps unit to 1a2b3c4d; infrastructure stays')
      .example('$0 rollback production --dry-run', 'What rolling back one revision would change')
      .epilogue(
        "Only deploy/<cluster>/ changes: other clusters' output and the sources stay, so `strata check` reports the cluster stale until the sources are fixed, " +
          'and the next `strata commit` recompiles from them.\nExit codes: 0 rolled back (or nothing to do); 2 dirty work tree, unknown revision, push rejected.',
      ),
  handler: async (args) => {
    const result = await rollback({
      cluster: args.cluster,
      dir: args.dir,
      ...(args.to === undefined ? {} : { to: args.to }),
      ...(args.reason === undefined ? {} : { reason: args.reason }),
      ...(args.unit === undefined ? {} : { unit: args.unit }),
      push: args.push,
      remote: args.remote,
      ...(args.branch === undefined ? {} : { branch: args.branch }),
      dryRun: args['dry-run'],
    });
    printData(args.output, result, () => {
      const folder = `deploy/${args.cluster}/${args.unit === undefined ? '' : `${args.unit}/`}`;
      const target = `${args.cluster}${args.unit === undefined ? '' : ` (unit ${args.unit})`} to ${shortCommit(result.to)}`;
      if (result.outcome === 'unchanged') return `${folder} is already as at ${shortCommit(result.to)}: nothing to roll back.`;
      const head =
        result.outcome === 'planned'
          ? `Would roll back ${target}`
          : `Rolled back ${target} in ${shortCommit(result.commit ?? '')}${result.outcome === 'pushed' ? `, pushed to ${args.remote}` : ' (not pushed: use --push)'}`;
      return [
        `${head}: ${result.revisions.length} revision(s) undone, ${describeCounts(result.counts)}`,
        ...result.revisions.map((revision) => `  undone ${shortCommit(revision.commit)} ${revision.subject}`),
      ].join('\n');
    });
  },
});
