// `strata secrets keygen`: a new age identity in a keys file; prints where and the public recipient.
import { resolve } from 'node:path';
import { addNewIdentity, defaultKeysFile } from '../../src/secrets/index.ts';
import { defineCommand } from '../command.ts';

export const secretsKeygenCommand = defineCommand({
  command: 'keygen',
  describe: 'Create an age identity; prints where it is stored and its public recipient (never the secret key)',
  builder: (yargs) =>
    yargs.option('out', {
      type: 'string',
      describe: 'keys file to add the identity to (created 0600). Default: $SOPS_AGE_KEY_FILE, else ~/.config/sops/age/keys.txt (where sops looks)',
    }),
  handler: async (args) => {
    const file = resolve(args.out ?? process.env.SOPS_AGE_KEY_FILE ?? defaultKeysFile());
    const recipient = await addNewIdentity(file);
    process.stderr.write(`✔ age identity added to ${file}\n  public recipient (put it in .sops.yaml or pass --age):\n`);
    process.stdout.write(`${recipient}\n`);
  },
});
