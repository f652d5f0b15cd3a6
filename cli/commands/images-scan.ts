// `strata images scan`: what each image policy would pick now, per environment.
import { scanImages } from '../../src/images/index.ts';
import { ExitError } from '../errors.ts';
import { printData } from '../output.ts';
import { clientFor, environmentsOf, resultJson, resultTable, withImagesFlags } from './images-flags.ts';
import { defineCommand } from '../command.ts';

export const imagesScanCommand = defineCommand({
  command: 'scan',
  describe: 'List what each image policy (clusters/<env>/image-policies.json) would pick now, per environment',
  builder: (yargs) => withImagesFlags(yargs),
  handler: async (flags) => {
    const environments = environmentsOf(flags);
    const report = await scanImages({ client: await clientFor(flags), ...(environments === undefined ? {} : { environments }) });
    printData(flags.output, { results: report.results.map(resultJson) }, () =>
      report.results.length === 0 ? 'No image policies (add clusters/<env>/image-policies.json).\n' : resultTable(report.results),
    );
    for (const error of report.errors) process.stderr.write(`Error: ${error.message}\n`);
    if (report.errors.length > 0) throw new ExitError('', 2);
  },
});
