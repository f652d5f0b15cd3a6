// `strata secrets <command>`: SOPS files with age keys (no KMS, PGP or Vault).
import type { CommandModule } from 'yargs';
import { secretsAddRecipientCommand } from './secrets-add-recipient.ts';
import { secretsDecryptCommand } from './secrets-decrypt.ts';
import { secretsEditCommand } from './secrets-edit.ts';
import { secretsEncryptCommand } from './secrets-encrypt.ts';
import { secretsKeygenCommand } from './secrets-keygen.ts';
import { secretsRemoveRecipientCommand } from './secrets-remove-recipient.ts';
import { secretsRotateCommand } from './secrets-rotate.ts';
import { secretsUpdateKeysCommand } from './secrets-updatekeys.ts';

export const secretsCommand: CommandModule<object, object> = {
  command: 'secrets',
  describe: 'Encrypt files with SOPS and age: keygen, encrypt, decrypt, edit, rotate, add-recipient, remove-recipient, updatekeys',
  builder: (yargs) =>
    yargs
      .command(secretsKeygenCommand)
      .command(secretsEncryptCommand)
      .command(secretsDecryptCommand)
      .command(secretsEditCommand)
      .command(secretsRotateCommand)
      .command(secretsAddRecipientCommand)
      .command(secretsRemoveRecipientCommand)
      .command(secretsUpdateKeysCommand)
      .demandCommand(1, 'Name a secrets command; `strata secrets --help` lists them.'),
  handler: () => undefined,
};
