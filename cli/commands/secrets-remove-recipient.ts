// `strata secrets remove-recipient <recipient> <files..>`: drops a recipient and rotates the data key,
// so that the removed key cannot read values written from now on.
import { reencryptDocument } from '../../src/secrets/index.ts';
import { ExitError } from '../errors.ts';
import { updateFiles } from './secrets-rotate.ts';
import { defineCommand } from '../command.ts';

export const secretsRemoveRecipientCommand = defineCommand({
  command: 'remove-recipient <recipient> <files..>',
  describe: 'Stop encrypting SOPS files for an age recipient; rotates the data key (rotate the values too if that key leaked)',
  builder: (yargs) => yargs.positional('recipient', { type: 'string', demandOption: true }).positional('files', { type: 'string', array: true, demandOption: true }),
  handler: async (args) => {
    await updateFiles(args.files, async (file, opened) => {
      const current = opened.metadata.age.map((s) => s.recipient);
      if (!current.includes(args.recipient)) {
        process.stderr.write(`${file}: not encrypted for ${args.recipient}\n`);
        return undefined;
      }
      const rest = current.filter((r) => r !== args.recipient);
      if (rest.length === 0) throw new ExitError(`${file}: ${args.recipient} is its only recipient; add another first`, 2);
      const text = await reencryptDocument(opened, { recipients: rest, rotate: true, source: file });
      process.stderr.write(`✔ ${file}: removed ${args.recipient}, new data key\n`);
      return text;
    });
  },
});
