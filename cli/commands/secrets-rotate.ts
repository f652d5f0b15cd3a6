// `strata secrets rotate <files..>`: re-encrypts every value under a new data key, for the same recipients.
import { formatOf, loadIdentities, openDocument, reencryptDocument, type AgeIdentity } from '../../src/secrets/index.ts';
import { readText, writeFileAtomic } from './secrets-flags.ts';
import { defineCommand } from '../command.ts';

/** Opens each file, applies `change` and writes it back in place; collects every failure and throws once. */
export async function updateFiles(
  files: readonly string[],
  change: (file: string, opened: Awaited<ReturnType<typeof openDocument>>) => Promise<string | undefined>,
  identities?: readonly AgeIdentity[],
): Promise<void> {
  const ids = identities ?? (await loadIdentities());
  const errors: Error[] = [];
  for (const file of files) {
    try {
      const opened = await openDocument(readText(file), { identities: ids, format: formatOf(file), source: file });
      const text = await change(file, opened);
      if (text !== undefined) writeFileAtomic(file, text);
    } catch (error) {
      errors.push(error instanceof Error ? error : new Error(String(error)));
    }
  }
  if (errors.length === 1) throw errors[0];
  if (errors.length > 1) throw new AggregateError(errors, errors.map((e) => e.message).join('\n'));
}

export const secretsRotateCommand = defineCommand({
  command: 'rotate <files..>',
  describe: 'Re-encrypt SOPS files under a new data key (same recipients, every value gets new ciphertext)',
  builder: (yargs) => yargs.positional('files', { type: 'string', array: true, demandOption: true }),
  handler: async (args) => {
    await updateFiles(args.files, async (file, opened) => {
      const text = await reencryptDocument(opened, { rotate: true, source: file });
      process.stderr.write(`✔ ${file}: new data key\n`);
      return text;
    });
  },
});
