// `strata secrets edit <file>`: decrypts into a private temporary file, opens $EDITOR, re-encrypts.
// Unchanged values keep their ciphertext; the temporary file is removed on every exit path.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { createInterface } from 'node:readline/promises';
import { formatOf, loadIdentities, openDocument, reencryptDocument, SopsFormatError } from '../../src/secrets/index.ts';
import { ExitError } from '../errors.ts';
import { readText, writeFileAtomic } from './secrets-flags.ts';
import { defineCommand } from '../command.ts';

const SIGNALS = { SIGINT: 2, SIGTERM: 15, SIGHUP: 1 } as const;

export const secretsEditCommand = defineCommand({
  command: 'edit <file>',
  describe: 'Edit a SOPS file in $EDITOR (plaintext only in a private 0600 temporary file, removed afterwards)',
  builder: (yargs) => yargs.positional('file', { type: 'string', demandOption: true }),
  handler: async (args) => {
    const file = args.file;
    const opened = await openDocument(readText(file), { identities: await loadIdentities(), format: formatOf(file), source: file });
    const dir = mkdtempSync(join(tmpdir(), 'strata-secrets-edit-')); // mode 0700
    const tmp = join(dir, basename(file));
    const cleanup = (): void => rmSync(dir, { recursive: true, force: true });
    const editor: { child?: ChildProcess } = {};
    const handlers = Object.entries(SIGNALS).map(([signal, number]) => {
      const handler = (): void => {
        editor.child?.kill('SIGTERM');
        cleanup();
        process.exit(128 + number);
      };
      process.once(signal, handler);
      return [signal, handler] as const;
    });
    process.once('exit', cleanup);
    try {
      writeFileSync(tmp, opened.plaintext, { mode: 0o600, flag: 'wx' });
      for (;;) {
        await runEditor(tmp, editor);
        const edited = readFileSync(tmp, 'utf8');
        if (edited === opened.plaintext) {
          process.stderr.write(`${file}: no changes\n`);
          return;
        }
        try {
          writeFileAtomic(file, await reencryptDocument(opened, { plaintext: edited, source: file }));
          process.stderr.write(`✔ ${file} re-encrypted\n`);
          return;
        } catch (error) {
          if (!(error instanceof SopsFormatError) || !process.stdin.isTTY) throw new ExitError(`${file}: not saved: ${(error as Error).message}`, 2);
          if (!(await confirm(`${(error as Error).message}\nPress Enter to edit again, or type n to abandon the changes: `))) throw new ExitError(`${file}: changes abandoned`, 1);
        }
      }
    } finally {
      cleanup();
      for (const [signal, handler] of handlers) process.removeListener(signal, handler);
      process.removeListener('exit', cleanup);
    }
  },
});

async function runEditor(path: string, holder: { child?: ChildProcess }): Promise<void> {
  const editor = process.env.VISUAL || process.env.EDITOR || 'vi';
  // Through the shell, so that EDITOR may carry arguments (`code --wait`).
  const child = spawn('/bin/sh', ['-c', `${editor} "$1"`, 'strata-secrets-edit', path], { stdio: 'inherit' });
  holder.child = child;
  const result = await new Promise<{ code: number | null; signal: NodeJS.Signals | null; error?: Error }>((resolve) => {
    child.once('error', (error) => resolve({ code: null, signal: null, error }));
    child.once('close', (code, signal) => resolve({ code, signal }));
  });
  holder.child = undefined;
  if (result.error) throw new ExitError(`cannot start the editor ${JSON.stringify(editor)}: ${result.error.message}; the file is unchanged`, 2);
  if (result.signal) throw new ExitError(`the editor was stopped by ${result.signal}; the file is unchanged`, 2);
  if (result.code !== 0) throw new ExitError(`the editor exited with ${result.code}; the file is unchanged`, 2);
}

async function confirm(question: string): Promise<boolean> {
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return !/^n/i.test((await rl.question(question)).trim());
  } finally {
    rl.close();
  }
}
