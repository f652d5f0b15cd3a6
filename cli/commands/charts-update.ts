// `strata charts update [charts..]`: move charts to the highest version their range allows and rewrite the lock.
import type { Argv, CommandModule } from 'yargs';
import { updateCharts, type ChartUpdatePolicy } from '../../src/charts/index.ts';
import { withOutputOption, type OutputArgs } from '../options.ts';
import { printData } from '../output.ts';

interface UpdateArgs extends OutputArgs {
  readonly root: string;
  readonly charts: string[];
  readonly policy: ChartUpdatePolicy;
}

export const chartsUpdateCommand: CommandModule<object, UpdateArgs> = {
  command: 'update [charts..]',
  describe: 'Move charts to the highest version within their range (default ^<version>), fetch them and rewrite charts/lock.json',
  builder: (yargs: Argv) =>
    withOutputOption(yargs)
      .option('root', { type: 'string', default: '.', describe: 'Project root (the folder holding charts/lock.json)', normalize: true })
      .option('policy', { choices: ['semver'] as const, default: 'semver' as const, describe: 'How a chart may move: semver = highest version in its `range`' })
      .positional('charts', { type: 'string', array: true, default: [], describe: 'Lock names to update; every chart with a repository when omitted' })
      .epilogue('Run `strata synth` afterwards: until then `strata check` reports the stale output.\nExit codes: 0 done (changed or not); 2 a source could not be read.') as unknown as Argv<UpdateArgs>,
  handler: async (args) => {
    const changes = await updateCharts({ root: args.root, charts: args.charts, policy: args.policy });
    printData(args.output, { changes }, () => (changes.length === 0 ? 'Every chart is at the highest version its range allows; nothing to update.' : changes.map((c) => `${c.name}: ${c.from} -> ${c.to}`).join('\n')));
  },
};
