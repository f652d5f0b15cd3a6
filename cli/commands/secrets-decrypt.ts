// `strata secrets decrypt <file>`: prints the plaintext of a SOPS file (MAC verified).
import { decryptDocument, formatOf, loadIdentities } from '../../src/secrets/index.ts';
import { readText, writeFileAtomic } from './secrets-flags.ts';
import { defineCommand } from '../command.ts';

export const secretsDecryptCommand = defineCommand({
  command: 'decrypt <file>',
  describe: 'Decrypt a SOPS file to stdout (or --output, created 0600); keys from SOPS_AGE_KEY, SOPS_AGE_KEY_FILE or keys.txt',
  builder: (yargs) =>
    yargs.positional('file', { type: 'string', demandOption: true }).option('output', { type: 'string', describe: 'write the plaintext here (mode 0600; sops\'s --output; -o is kept for output formats)' }),
  handler: async (args) => {
    const plaintext = await decryptDocument(readText(args.file), { identities: await loadIdentities(), format: formatOf(args.file), source: args.file });
    if (args.output) writeFileAtomic(args.output, plaintext, 0o600);
    else process.stdout.write(plaintext);
  },
});
