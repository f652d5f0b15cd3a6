import type { Argv } from 'yargs';
import { checkOutput, type CheckResult } from '../../src/compiler/index.ts';
import { ExitError } from '../errors.ts';
import { withOutputOption, withProjectOptions } from '../options.ts';
import { Progress, colourEnabled, paint, printData } from '../output.ts';
import { progressReporter } from './synth.ts';
import { defineCommand } from '../command.ts';

function colourDiff(diff: string, enabled: boolean): string {
  if (!enabled) return diff;
  return diff
    .split('\n')
    .map((line) =>
      line.startsWith('+++') || line.startsWith('---') ? paint(line, 'bold', true) : line.startsWith('+') ? paint(line, 'green', true) : line.startsWith('-') ? paint(line, 'red', true) : line.startsWith('@@') ? paint(line, 'cyan', true) : line,
    )
    .join('\n');
}

export const checkCommand = defineCommand({
  command: 'check [clusters..]',
  describe: 'Compile to a temporary folder and compare with the committed deploy/ (for CI)',
  builder: (yargs: Argv) =>
    withOutputOption(withProjectOptions(yargs))
      .positional('clusters', { type: 'string', array: true, default: [], describe: 'Clusters to check; all when omitted' })
      .option('out', { type: 'string', describe: 'The committed output folder to compare with (default <root>/deploy)', normalize: true })
      .example('$0 check', 'Fail with a diff when deploy/ is not what the sources compile to')
      .example('$0 check staging -o json', 'Report the differences of one cluster as JSON')
      .epilogue('Prints a unified diff of every stale file (committed → compiled). Run `strata synth` to update deploy/.\nExit codes: 0 up to date; 1 stale; 2 compile or usage error.'),
  handler: async (args) => {
    const progress = new Progress();
    let result: CheckResult;
    try {
      result = await checkOutput({ root: args.root, clusters: args.clusters, outDir: args.out, typecheck: args.typecheck, cache: args.cache, onProgress: progressReporter(progress) });
    } finally {
      progress.done();
    }
    const colour = colourEnabled();
    printData(args.output, result, () =>
      result.clusters
        .map((cluster) =>
          cluster.upToDate
            ? `${cluster.cluster}: ${paint('up to date', 'green', colour)}`
            : [`${cluster.cluster}: ${paint(`${cluster.differences.length} file${cluster.differences.length === 1 ? '' : 's'} stale`, 'red', colour)}`, ...cluster.differences.map((d) => colourDiff(d.diff, colour))].join('\n'),
        )
        .join('\n'),
    );
    if (!result.upToDate) {
      if (args.output === 'text') process.stderr.write('deploy/ is stale: run `strata synth` and commit the result\n');
      throw new ExitError('', 1);
    }
  },
});
