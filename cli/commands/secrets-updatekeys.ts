// `strata secrets updatekeys <files..>`: re-encrypts files for the recipients their .sops.yaml rule names now
// (a cluster's recipients changed); like `sops updatekeys`, but a removed recipient also rotates the data key.
import { findCreationRulesFile, loadCreationRules, reencryptDocument, ruleFor } from '../../src/secrets/index.ts';
import { ExitError } from '../errors.ts';
import { updateFiles } from './secrets-rotate.ts';
import { defineCommand } from '../command.ts';

export const secretsUpdateKeysCommand = defineCommand({
  command: 'updatekeys <files..>',
  describe: 'Re-encrypt SOPS files for the age recipients of their .sops.yaml creation rule (rotates the data key when one is removed)',
  builder: (yargs) =>
    yargs
      .positional('files', { type: 'string', array: true, demandOption: true })
      .option('config', { type: 'string', describe: 'creation rules file. Default: .sops.yaml in the current folder or the closest parent' }),
  handler: async (args) => {
    const configPath = args.config ?? findCreationRulesFile();
    if (!configPath) throw new ExitError('no .sops.yaml found in this folder or its parents; pass --config', 2);
    const config = loadCreationRules(configPath);
    await updateFiles(args.files, async (file, opened) => {
      const wanted = [...(ruleFor(config, file)?.age ?? [])];
      if (wanted.length === 0) throw new ExitError(`${file}: no creation rule with age recipients matches it in ${configPath}`, 2);
      const current = opened.metadata.age.map((s) => s.recipient);
      const removed = current.filter((r) => !wanted.includes(r));
      const added = wanted.filter((r) => !current.includes(r));
      if (removed.length === 0 && added.length === 0) {
        process.stderr.write(`${file}: recipients already up to date\n`);
        return undefined;
      }
      const text = await reencryptDocument(opened, { recipients: wanted, rotate: removed.length > 0, source: file });
      process.stderr.write(`✔ ${file}: ${[...added.map((r) => `+${r}`), ...removed.map((r) => `-${r}`)].join(' ')}${removed.length > 0 ? ' (new data key)' : ''}\n`);
      return text;
    });
  },
});
