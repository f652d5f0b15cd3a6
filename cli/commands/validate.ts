import { join, relative, resolve } from 'node:path';
import type { Argv } from 'yargs';
import { LIBRARY_CRD_DIR, SchemaValidator, checkReferences, checkSyncs, compile, describeProblem, projectLayout, type ObjectProblem } from '../../src/compiler/index.ts';
import { describeRef } from '../../src/manifest/index.ts';
import { ExitError } from '../errors.ts';
import { withOutputOption, withProjectOptions } from '../options.ts';
import { Progress, paint, printData } from '../output.ts';
import { progressReporter } from './synth.ts';
import { defineCommand } from '../command.ts';

export const validateCommand = defineCommand({
  command: 'validate [clusters..]',
  describe: 'Validate every compiled object against the Kubernetes 1.30 OpenAPI schemas and the imported CRD schemas, and every name it refers to (offline)',
  builder: (yargs: Argv) =>
    withOutputOption(withProjectOptions(yargs))
      .positional('clusters', { type: 'string', array: true, default: [], describe: 'Clusters to validate; all when omitted' })
      .option('crds', { type: 'string', array: true, default: [], describe: "More folders of CRD YAML files whose schemas validate custom objects (beside the library's own)" })
      .option('ignore-missing-schemas', { type: 'boolean', default: false, describe: 'Skip objects whose kind has no known schema instead of failing' })
      .example('$0 validate', 'Validate every cluster')
      .example('$0 validate production -o json', 'Validate one cluster and print the problems as JSON')
      .epilogue(
        'Schemas: the kubernetes-models package (Kubernetes 1.30 OpenAPI, ajv-compiled; the nearest release to cdk8s-plus-28) and the CRDs ' +
          'the construct library imports (src/constructs/imports/crds/, shipped with the package), those of --crds (and any CRD the cluster itself defines). No network is used.\n' +
          'The CEL expressions of every Sync\'s spec.healthCheckExprs are parsed and type-checked.\n' +
          'Each problem names the file, the object, the JSON path and the construct.\n' +
          'Exit codes: 0 valid; 1 invalid objects; 2 compile or usage error.',
      ),
  handler: async (args) => {
    const layout = projectLayout(args.root);
    const progress = new Progress();
    let problems: ObjectProblem[];
    let objects = 0;
    try {
      const compiled = await compile({ root: args.root, clusters: args.clusters, typecheck: args.typecheck, cache: args.cache, onProgress: progressReporter(progress) });
      progress.update('validating objects');
      const validator = new SchemaValidator({ crdDirs: [LIBRARY_CRD_DIR, ...args.crds.map((dir) => resolve(layout.root, dir))], requireSchemas: !args.ignoreMissingSchemas });
      const targets = compiled.flatMap((cluster) =>
        cluster.set.entries.map((entry) => ({
          object: entry.object,
          file: relative(layout.root, join(layout.root, 'deploy', cluster.name, entry.file)),
          source: entry.source ?? entry.file,
        })),
      );
      objects = targets.length;
      problems = await validator.validate(targets);
      // The CEL health rules of every Sync must parse and type-check.
      problems.push(...checkSyncs(targets));
      // Every name an object uses must resolve within its cluster's output (or what the cluster provides).
      for (const cluster of compiled) {
        const prefix = relative(layout.root, join(layout.root, 'deploy', cluster.name));
        problems.push(...checkReferences(targets.filter((t) => t.file.startsWith(`${prefix}/`)), cluster.provides ?? []));
      }
    } finally {
      progress.done();
    }
    const data = {
      valid: problems.length === 0,
      objects,
      problems: problems.map((p) => ({ file: p.file, object: describeRef(p.ref), path: p.field, message: p.message, construct: p.source })),
    };
    printData(args.output, data, () =>
      problems.length === 0 ? paint(`${objects} objects valid`, 'green') : problems.map((p) => `${paint('invalid', 'red')} ${describeProblem(p)}`).join('\n'),
    );
    if (problems.length > 0) {
      if (args.output === 'text') process.stderr.write(`${problems.length} problem${problems.length === 1 ? '' : 's'} in ${objects} objects\n`);
      throw new ExitError('', 1);
    }
  },
});
