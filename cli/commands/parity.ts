import type { Argv } from 'yargs';
import { compareEnvironments, compile, type ParityResult } from '../../src/compiler/index.ts';
import { ExitError } from '../errors.ts';
import { withOutputOption, withProjectOptions } from '../options.ts';
import { Progress, colourEnabled, paint, printData } from '../output.ts';
import { progressReporter } from './synth.ts';
import { defineCommand } from '../command.ts';

function show(value: unknown): string {
  return value === undefined ? '(absent)' : JSON.stringify(value);
}

export function formatParity(result: ParityResult, colour: boolean): string {
  const lines: string[] = [];
  const renames = Object.entries(result.namespaces).map(([a, b]) => `${a} → ${b}`);
  lines.push(
    paint(`${result.a} ↔ ${result.b}`, 'bold', colour) +
      paint(` (factored out: ${renames.length > 0 ? `namespaces ${renames.join(', ')}; ` : ''}${result.renamed} renamed object${result.renamed === 1 ? '' : 's'})`, 'dim', colour),
  );
  for (const object of result.changed) {
    lines.push(`${paint('~', 'yellow', colour)} ${object.id}  ${paint(object.a === object.b ? object.a : `${object.a} ↔ ${object.b}`, 'dim', colour)}`);
    for (const difference of object.differences) lines.push(`    ${difference.path}: ${paint(show(difference.a), 'red', colour)} → ${paint(show(difference.b), 'green', colour)}`);
  }
  for (const object of result.onlyInA) lines.push(`${paint('-', 'red', colour)} ${object.id}  ${paint(`only in ${result.a}: ${object.object}`, 'dim', colour)}`);
  for (const object of result.onlyInB) lines.push(`${paint('+', 'green', colour)} ${object.id}  ${paint(`only in ${result.b}: ${object.object}`, 'dim', colour)}`);
  lines.push(`${result.identical} identical, ${result.changed.length} differ, ${result.onlyInA.length} only in ${result.a}, ${result.onlyInB.length} only in ${result.b}`);
  return lines.join('\n');
}

export const parityCommand = defineCommand({
  command: 'parity <a> <b>',
  describe: "Compare two environments' output object by object, expected overlay differences factored out",
  builder: (yargs: Argv) =>
    withOutputOption(withProjectOptions(yargs))
      .positional('a', { type: 'string', demandOption: true, describe: 'First cluster' })
      .positional('b', { type: 'string', demandOption: true, describe: 'Second cluster' })
      .example('$0 parity staging production', 'What production runs differently from staging')
      .example('$0 parity staging production -o json', 'The same as data')
      .epilogue(
        'Objects pair up by construct path (without the cluster segment). Namespaces, name prefixes/suffixes and hashed ' +
          'ConfigMap/Secret names are factored out, with the references to them; what remains is listed field by field.\n' +
          'Exit codes: 0 no differences; 1 differences found; 2 compile or usage error.',
      ),
  handler: async (args) => {
    const progress = new Progress();
    let result: ParityResult;
    try {
      const compiled = await compile({ root: args.root, clusters: [args.a, args.b], typecheck: args.typecheck, cache: args.cache, onProgress: progressReporter(progress) });
      const a = compiled.find((cluster) => cluster.name === args.a)!;
      const b = compiled.find((cluster) => cluster.name === args.b)!;
      result = compareEnvironments(a, b);
    } finally {
      progress.done();
    }
    printData(args.output, result, () => formatParity(result, colourEnabled()));
    if (!result.same) throw new ExitError('', 1);
  },
});
