import { execFile } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pLimit from 'p-limit';
import { describe, expect, it } from 'vitest';
import type { CommandModule } from 'yargs';
import { commandTable } from '../../cli/commands/index.ts';
import { REPO } from '../compiler/_project.ts';

const run = promisify(execFile);
const BIN = join(REPO, 'cli', 'bin', 'strata.js');

interface Help {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** The real binary, like test/cli/_run.ts, but asynchronous so that the --help runs overlap. */
async function strata(args: readonly string[]): Promise<Help> {
  try {
    const { stdout, stderr } = await run(process.execPath, [BIN, ...args], { cwd: REPO, env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '' }, timeout: 60_000 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof failed.code === 'number' ? failed.code : -1, stdout: failed.stdout ?? '', stderr: failed.stderr ?? '' };
  }
}

const first = (command: string): string => command.split(' ')[0] ?? command;

/** Every CommandModule that any file in cli/commands/ exports (top-level and nested ones). */
async function exportedCommands(): Promise<{ file: string; module: CommandModule }[]> {
  const found: { file: string; module: CommandModule }[] = [];
  for (const file of readdirSync(join(REPO, 'cli', 'commands')).filter((name) => name.endsWith('.ts') && name !== 'index.ts').sort()) {
    const exports = (await import(join(REPO, 'cli', 'commands', file))) as Record<string, unknown>;
    for (const value of Object.values(exports)) {
      if (value && typeof value === 'object' && typeof (value as CommandModule).command === 'string' && typeof (value as CommandModule).handler === 'function') {
        found.push({ file, module: value as CommandModule });
      }
    }
  }
  return found;
}

describe('strata --help (the real binary; commands load lazily)', () => {
  it('the lazy table says what each command module says', async () => {
    for (const entry of commandTable) {
      const module = await entry.load();
      const where = `cli/commands/index.ts, the entry of "${first(entry.command)}" (copy it from the command's module)`;
      expect(module.command, where).toBe(entry.command);
      expect(module.describe, where).toBe(entry.describe);
      expect(module.aliases ?? [], where).toEqual(entry.aliases ?? []);
    }
  }, 120_000);

  it('lists every command, and every command and subcommand answers --help with its own usage', async () => {
    const top = await strata(['--help']);
    expect(top.stderr).toBe('');
    expect(top.code).toBe(0);
    for (const entry of commandTable) expect(top.stdout, entry.command).toContain(`strata ${entry.command}`);

    const groups = ['secrets', 'images', 'imageupdate', 'charts'];
    const limit = pLimit(4);
    const [groupHelps, commandHelps] = await Promise.all([
      Promise.all(groups.map((group) => limit(() => strata([group, '--help'])))),
      Promise.all(commandTable.map((entry) => limit(() => strata([first(entry.command), '--help'])))),
    ]);
    commandTable.forEach((entry, i) => {
      const help = commandHelps[i] as Help;
      expect(help.code, `${entry.command}: ${help.stderr}`).toBe(0);
      // The usage line of a command's own help: loading its builder worked.
      expect(help.stdout.split('\n')[0], entry.command).toBe(`strata ${entry.command}`);
    });

    // Every command module in cli/commands/ is reachable: top-level in the table, or nested in a group.
    const listed = [top.stdout, ...groupHelps.map((help) => help.stdout)].join('\n');
    const nested: string[][] = [];
    for (const { file, module } of await exportedCommands()) {
      const name = first(module.command as string);
      const path = commandTable.some((entry) => entry.command === module.command)
        ? [name]
        : groups.filter((group) => new RegExp(`^  strata ${group} ${name}( |$)`, 'm').test(listed)).map((group) => [group, name])[0];
      expect(path, `${file} exports the command "${String(module.command)}", which no help lists: add it to cli/commands/index.ts`).toBeDefined();
      if (path && path.length > 1) nested.push(path);
    }
    expect(nested.length).toBeGreaterThanOrEqual(10);
    const nestedHelps = await Promise.all(nested.map((path) => limit(() => strata([...path, '--help']))));
    nested.forEach((path, i) => {
      const help = nestedHelps[i] as Help;
      expect(help.code, `${path.join(' ')}: ${help.stderr}`).toBe(0);
      expect(help.stdout.split('\n')[0], path.join(' ')).toMatch(new RegExp(`^strata ${path.join(' ')}\\b`));
    });
  }, 180_000);

  it('an unknown command exits 2 with a suggestion', async () => {
    const typo = await strata(['synt']);
    expect(typo.code).toBe(2);
    expect(typo.stderr).toContain('Did you mean synth?');
  });

  it('a command group without its subcommand exits 2 and says where the list is', async () => {
    const groups = ['images', 'imageupdate', 'secrets', 'charts'];
    const results = await Promise.all(groups.map((group) => strata([group])));
    for (const [index, group] of groups.entries()) {
      expect(results[index]?.code, group).toBe(2);
      expect(results[index]?.stderr, group).toContain(`command; \`strata ${group} --help\` lists them.`);
    }
  });
});
