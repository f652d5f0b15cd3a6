// `strata secrets decrypt <file>`: prints the plaintext of a SOPS file (MAC verified).
import type { CommandModule } from 'yargs';
import { decryptDocument, formatOf, loadIdentities } from '../../src/secrets/index.ts';
import { readText, writeFileAtomic } from './secrets-flags.ts';

interface DecryptArgs {
  file: string;
  output?: string;
}

export const secretsDecryptCommand: CommandModule<object, DecryptArgs> = {
  command: 'decrypt <file>',
  describe: 'Decrypt a SOPS file to stdout (or --output, created 0600); keys from SOPS_AGE_KEY, SOPS_AGE_KEY_FILE or keys.txt',
  builder: (yargs) =>
    yargs.positional('file', { type: 'string', demandOption: true }).option('output', { alias: 'o', type: 'string', describe: 'write the plaintext here (mode 0600)' }) as never,
  handler: async (args) => {
    const plaintext = await decryptDocument(readText(args.file), { identities: await loadIdentities(), format: formatOf(args.file), source: args.file });
    if (args.output) writeFileAtomic(args.output, plaintext, 0o600);
    else process.stdout.write(plaintext);
  },
};
