// `strata secrets add-recipient <recipient> <files..>`: gives another age recipient the data key.
import { isAgeRecipient, reencryptDocument } from '../../src/secrets/index.ts';
import { ExitError } from '../errors.ts';
import { updateFiles } from './secrets-rotate.ts';
import { defineCommand } from '../command.ts';

export const secretsAddRecipientCommand = defineCommand({
  command: 'add-recipient <recipient> <files..>',
  describe: 'Let another age recipient decrypt SOPS files (the data key and every value stay as they are)',
  builder: (yargs) => yargs.positional('recipient', { type: 'string', demandOption: true }).positional('files', { type: 'string', array: true, demandOption: true }),
  handler: async (args) => {
    if (!isAgeRecipient(args.recipient)) throw new ExitError(`${args.recipient} is not an age recipient (age1…)`, 2);
    await updateFiles(args.files, async (file, opened) => {
      const current = opened.metadata.age.map((s) => s.recipient);
      if (current.includes(args.recipient)) {
        process.stderr.write(`${file}: already encrypted for ${args.recipient}\n`);
        return undefined;
      }
      const text = await reencryptDocument(opened, { recipients: [...current, args.recipient], source: file });
      process.stderr.write(`✔ ${file}: added ${args.recipient}\n`);
      return text;
    });
  },
});
