// `strata charts pull [charts..]`: fetch (or verify) the vendored copy of every chart the lock names.
import type { Argv, CommandModule } from 'yargs';
import { pullCharts } from '../../src/charts/index.ts';
import { withOutputOption, type OutputArgs } from '../options.ts';
import { printData } from '../output.ts';

interface PullArgs extends OutputArgs {
  readonly root: string;
  readonly charts: string[];
}

export const chartsPullCommand: CommandModule<object, PullArgs> = {
  command: 'pull [charts..]',
  describe: 'Fetch what charts/lock.json names into charts/ (verified by digest; pins new entries) and regenerate charts/types/',
  builder: (yargs: Argv) =>
    withOutputOption(yargs)
      .option('root', { type: 'string', default: '.', describe: 'Project root (the folder holding charts/lock.json)', normalize: true })
      .positional('charts', { type: 'string', array: true, default: [], describe: 'Lock names to pull; all when omitted' })
      .epilogue(
        'A chart from an https:// repository or an oci:// registry is fetched by the pinned Helm when its archive is missing or differs; ' +
          'bytes that differ from a digest the lock already pins are refused. A folder vendored by hand is verified (and pinned when new). ' +
          'Registry logins: $DOCKER_CONFIG/config.json (as for `strata images`); a loopback registry is reached over plain HTTP.\n' +
          'Exit codes: 0 done; 2 a chart could not be fetched or verified.',
      ) as unknown as Argv<PullArgs>,
  handler: async (args) => {
    const results = await pullCharts({ root: args.root, charts: args.charts });
    printData(args.output, { charts: results }, () => results.map((r) => `${r.action.padEnd(9)} ${r.name} ${r.version} ${r.path} ${r.digest}`).join('\n') || 'No charts in charts/lock.json.');
  },
};
