// `strata secrets keygen`: a new age identity in a keys file; prints where and the public recipient.
import { appendFileSync, chmodSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { defaultKeysFile, generateIdentity, keysFileText } from '../../src/secrets/index.ts';
import { defineCommand } from '../command.ts';

export const secretsKeygenCommand = defineCommand({
  command: 'keygen',
  describe: 'Create an age identity; prints where it is stored and its public recipient (never the secret key)',
  builder: (yargs) =>
    yargs.option('out', {
      alias: 'o',
      type: 'string',
      describe: 'keys file to add the identity to (created 0600). Default: $SOPS_AGE_KEY_FILE, else ~/.config/sops/age/keys.txt (where sops looks)',
    }),
  handler: async (args) => {
    const file = resolve(args.out ?? process.env.SOPS_AGE_KEY_FILE ?? defaultKeysFile());
    const identity = await generateIdentity();
    mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
    if (existsSync(file)) {
      appendFileSync(file, `\n${keysFileText(identity)}`);
    } else {
      writeFileSync(file, keysFileText(identity), { mode: 0o600 });
    }
    chmodSync(file, 0o600);
    process.stderr.write(`✔ age identity added to ${file}\n  public recipient (put it in .sops.yaml or pass --age):\n`);
    process.stdout.write(`${identity.recipient}\n`);
  },
});
