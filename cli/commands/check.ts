import type { Argv } from 'yargs';
import { checkOutput, type CheckResult } from '../../src/compiler/index.ts';
import { preChecks } from '../../src/install/index.ts';
import { loadKubeConfig } from '../../src/kube/index.ts';
import { ExitError } from '../errors.ts';
import { withOutputOption, withProjectOptions, type OutputFormat } from '../options.ts';
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
  describe: 'Compile to a temporary folder and compare with the committed deploy/ (for CI); --pre checks a cluster before install',
  builder: (yargs: Argv) =>
    withOutputOption(withProjectOptions(yargs))
      .positional('clusters', { type: 'string', array: true, default: [], describe: 'Clusters to check; all when omitted' })
      .option('out', { type: 'string', describe: 'The committed output folder to compare with (default <root>/deploy)', normalize: true })
      .option('pre', {
        type: 'boolean',
        default: false,
        describe: 'Instead: check a cluster before install/bootstrap (Kubernetes version, rights to install, git, CRDs)',
      })
      .option('kubeconfig', { type: 'string', describe: 'With --pre: kubeconfig file (default: $KUBECONFIG, ~/.kube/config)' })
      .option('context', { type: 'string', describe: 'With --pre: kubeconfig context (default: the current one)' })
      .option('namespace', { alias: 'n', type: 'string', default: 'strata-system', describe: "With --pre: the agent's namespace" })
      .example('$0 check', 'Fail with a diff when deploy/ is not what the sources compile to')
      .example('$0 check --pre --context prod', 'Can the agent be installed into this cluster?')
      .example('$0 check staging -o json', 'Report the differences of one cluster as JSON')
      .epilogue('Prints a unified diff of every stale file (committed → compiled). Run `strata synth` to update deploy/.\n--pre prints one line per check with ✔ or ✖.\nExit codes: 0 up to date (--pre: every check passed); 1 stale (--pre: a check failed); 2 compile or usage error.'),
  handler: async (args) => {
    if (args.pre) return preCheck(args);
    const progress = new Progress();
    let result: CheckResult;
    try {
      result = await checkOutput({ root: args.root, clusters: args.clusters, outDir: args.out, typecheck: args.typecheck, cache: args.cache, onProgress: progressReporter(progress) });
    } finally {
      progress.done();
    }
    const colour = colourEnabled();
    printData(args.output, result, () =>
      [
        ...result.clusters.map((cluster) =>
          cluster.upToDate
            ? `${cluster.cluster}: ${paint('up to date', 'green', colour)}`
            : [`${cluster.cluster}: ${paint(`${cluster.differences.length} file${cluster.differences.length === 1 ? '' : 's'} stale`, 'red', colour)}`, ...cluster.differences.map((d) => colourDiff(d.diff, colour))].join('\n'),
        ),
        ...(result.renders.length > 0
          ? [`chart renders: ${paint(`${result.renders.length} file${result.renders.length === 1 ? '' : 's'} stale`, 'red', colour)}`, ...result.renders.map((d) => `  ${d.change}: ${d.diff}`)]
          : []),
      ].join('\n'),
    );
    if (!result.upToDate) {
      if (args.output === 'text') process.stderr.write('deploy/ or charts/renders/ is stale: run `strata synth` and commit the result\n');
      throw new ExitError('', 1);
    }
  },
});

/** `--pre`: one line per check of {@link preChecks}; exit 1 when one failed. */
async function preCheck(args: { readonly kubeconfig?: string | undefined; readonly context?: string | undefined; readonly namespace: string; readonly output: OutputFormat }): Promise<void> {
  let kubeConfig;
  try {
    kubeConfig = loadKubeConfig(args.kubeconfig, args.context);
  } catch (error) {
    throw new ExitError(`cannot use the kubeconfig: ${(error as Error).message}`, 2);
  }
  const checks = await preChecks(kubeConfig, { namespace: args.namespace });
  const colour = colourEnabled();
  printData(args.output, { ok: checks.every((check) => check.ok), checks }, () =>
    checks.map((check) => `${check.ok ? paint('✔', 'green', colour) : paint('✖', 'red', colour)} ${check.message}`).join('\n'),
  );
  if (!checks.every((check) => check.ok)) throw new ExitError('', 1);
}
