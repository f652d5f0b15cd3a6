// `strata charts <command>`: the charts charts/lock.json pins (pull what it names, update within ranges).
import type { CommandModule } from 'yargs';
import { chartsPullCommand } from './charts-pull.ts';
import { chartsUpdateCommand } from './charts-update.ts';

export const chartsCommand: CommandModule<object, object> = {
  command: 'charts',
  describe: 'Helm charts pinned in charts/lock.json: pull what the lock names, update within semver ranges',
  builder: (yargs) => yargs.command(chartsPullCommand).command(chartsUpdateCommand).demandCommand(1, 'Name a charts command; `strata charts --help` lists them.'),
  handler: () => undefined,
};
