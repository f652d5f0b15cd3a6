// `strata secrets encrypt <file>`: encrypts a YAML or JSON file for age recipients, as `sops -e` does.
import { encryptDocument, formatOf } from '../../src/secrets/index.ts';
import { encryptionFor, readText, withRecipientFlags, writeFileAtomic } from './secrets-flags.ts';
import { defineCommand } from '../command.ts';

export const secretsEncryptCommand = defineCommand({
  command: 'encrypt <file>',
  describe: 'Encrypt a YAML or JSON file with SOPS for age recipients (stdout unless --in-place or --output)',
  builder: (yargs) =>
    withRecipientFlags(yargs)
      .positional('file', { type: 'string', demandOption: true })
      .option('in-place', { alias: 'i', type: 'boolean', describe: 'replace the file with its encrypted form' })
      .option('output', { type: 'string', describe: 'write the encrypted file here (sops\'s --output; -o is kept for output formats)' })
      .conflicts('in-place', 'output'),
  handler: async (args) => {
    const text = readText(args.file);
    const { recipients, rules } = encryptionFor(args.file, text, args);
    const encrypted = await encryptDocument(text, { recipients, ...rules, format: formatOf(args.file), source: args.file });
    if (args['in-place']) writeFileAtomic(args.file, encrypted);
    else if (args.output) writeFileAtomic(args.output, encrypted);
    else process.stdout.write(encrypted);
    if (args['in-place'] || args.output) process.stderr.write(`✔ ${args.output ?? args.file} encrypted for ${recipients.join(', ')}\n`);
  },
});
