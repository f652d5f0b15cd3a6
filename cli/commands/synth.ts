import type { Argv } from 'yargs';
// synth.ts itself, not the compiler's index: an unchanged synth loads only what it runs.
import { synth, type SynthProgress, type SynthResult } from '../../src/compiler/synth.ts';
import { withOutputOption, withProjectOptions } from '../options.ts';
import { Progress, paint, printData } from '../output.ts';
import { defineCommand } from '../command.ts';

export function progressReporter(progress: Progress): (event: SynthProgress) => void {
  return (event) => {
    if (event.phase === 'typecheck') progress.update('type-checking cluster sources');
    else if (event.phase === 'compile') progress.update(`compiling ${event.cluster} (${event.index + 1}/${event.total})`);
    else progress.update(`writing ${event.cluster}`);
  };
}

export const synthCommand = defineCommand({
  command: 'synth [clusters..]',
  describe: 'Compile clusters to deploy/<cluster>/ (one file per object, index.json)',
  builder: (yargs: Argv) =>
    withOutputOption(withProjectOptions(yargs))
      .positional('clusters', { type: 'string', array: true, default: [], describe: 'Clusters to compile (folders of clusters/); all when omitted' })
      .option('out', { type: 'string', describe: 'Write <out>/<cluster>/ instead of <root>/deploy/<cluster>/', normalize: true })
      .example('$0 synth', 'Compile every cluster into deploy/')
      .example('$0 synth production', 'Compile only clusters/production')
      .example('$0 synth --out /tmp/out -o json', 'Compile elsewhere and print what changed as JSON')
      .epilogue(
        'A failing compile (TypeScript error, invalid name or label, duplicate object) writes nothing. ' +
          'Files no longer produced are removed; nothing outside deploy/<cluster>/ is touched.\n' +
          'Exit codes: 0 compiled; 2 compile error.',
      ),
  handler: async (args) => {
    const progress = new Progress();
    let result: SynthResult;
    try {
      result = await synth({ root: args.root, clusters: args.clusters, outDir: args.out, typecheck: args.typecheck, cache: args.cache, onProgress: progressReporter(progress) });
    } finally {
      progress.done();
    }
    printData(args.output, result, () =>
      result.clusters
        .map((c) => {
          const what =
            c.action === 'written'
              ? paint(`${c.written.length} written, ${c.removed.length} removed`, 'green')
              : paint(c.action === 'cached' ? 'unchanged (sources unchanged)' : 'unchanged', 'dim');
          return `${c.cluster}: ${c.objects} objects → ${c.dir}: ${what}`;
        })
        .concat(result.renders.written.length + result.renders.removed.length > 0 ? [`chart renders → charts/renders: ${paint(`${result.renders.written.length} written, ${result.renders.removed.length} removed`, 'green')}`] : [])
        .join('\n'),
    );
  },
});
