// `strata init [dir]`: scaffolds an infrastructure repository that depends on the Strata package.
import { relative, resolve } from 'node:path';
import type { Argv } from 'yargs';
import { scaffoldProject } from '../../src/init/index.ts';
import { addNewIdentity, defaultKeysFile, isAgeRecipient } from '../../src/secrets/index.ts';
import { defineCommand } from '../command.ts';
import { ExitError } from '../errors.ts';

export const initCommand = defineCommand({
  command: 'init [dir]',
  describe: 'Create an infrastructure repository: clusters/, base/, apps/ with one app, package.json, tsconfig, .sops.yaml, CI workflow',
  builder: (yargs: Argv) =>
    yargs
      .positional('dir', { type: 'string', default: '.', describe: 'Folder of the new repository (created when missing)' })
      .option('age', { type: 'string', describe: 'age recipient (age1…) for .sops.yaml; without it a new identity is generated' })
      .option('age-key-file', {
        type: 'string',
        describe: 'Where a generated identity is added. Default: $SOPS_AGE_KEY_FILE, else ~/.config/sops/age/keys.txt (where sops looks)',
      })
      .option('name', { type: 'string', describe: "The project's package name (default: the folder's name)" })
      .conflicts('age', 'age-key-file')
      .example('$0 init infrastructure', 'Scaffold ./infrastructure, generating an age identity')
      .epilogue('Refuses to write when any of its files exists (nothing is written then). Next: npm install, npx strata synth.\nExit codes: 0 written; 2 a file exists, or a usage error.'),
  handler: async (args) => {
    if (args.age !== undefined && !isAgeRecipient(args.age)) throw new ExitError(`--age: ${JSON.stringify(args.age)} is not an age recipient (age1…)`, 2);
    const dir = resolve(args.dir);
    const recipient = args.age ?? (await newIdentity(args['age-key-file']));
    const result = scaffoldProject({ dir, recipient, ...(args.name ? { name: args.name } : {}) });
    const shown = relative(process.cwd(), result.dir) || '.';
    process.stderr.write(`✔ ${result.files.length} files written to ${shown}\n`);
    process.stdout.write(
      [
        `Next:`,
        ...(shown === '.' ? [] : [`  cd ${shown}`]),
        `  git init && npm install`,
        `  npx strata synth       # compiles clusters/{development,staging,production} to deploy/`,
        `  npx strata check       # what CI runs on pull requests`,
        '',
      ].join('\n'),
    );
  },
});

/** A new age identity added to the keys file sops reads; returns its public recipient. */
async function newIdentity(keyFile: string | undefined): Promise<string> {
  const file = resolve(keyFile ?? process.env['SOPS_AGE_KEY_FILE'] ?? defaultKeysFile());
  const recipient = await addNewIdentity(file);
  process.stderr.write(`✔ new age identity added to ${file} (keep it out of Git); .sops.yaml encrypts to ${recipient}\n`);
  return recipient;
}
