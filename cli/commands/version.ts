// `strata version`: this installation's version and runtime, for bug reports and CI logs.
import type { Argv } from 'yargs';
import { PACKAGE_NAME, installationRoot, installationVersion } from '../../src/install/index.ts';
import { defineCommand } from '../command.ts';
import { withOutputOption } from '../options.ts';
import { printData } from '../output.ts';

export const versionCommand = defineCommand({
  command: 'version',
  describe: 'Print the version of this Strata installation, its package and the runtime',
  builder: (yargs: Argv) => withOutputOption(yargs),
  handler: (args) => {
    const deno = (globalThis as { Deno?: { version: { deno: string } } }).Deno;
    const root = installationRoot();
    const data = {
      version: installationVersion(root),
      package: PACKAGE_NAME,
      runtime: deno ? `deno ${deno.version.deno}` : `node ${process.versions.node}`,
      installation: root,
    };
    printData(args.output, data, () => `strata ${data.version} (${data.package}, ${data.runtime}, ${data.installation})`);
  },
});
