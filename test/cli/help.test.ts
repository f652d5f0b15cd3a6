import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { promisify } from 'node:util';
import pLimit from 'p-limit';
import { describe, expect, it } from 'vitest';
import type { CommandModule } from 'yargs';
import { commandTable } from '../../cli/commands/index.ts';
import { REPO } from '../compiler/_project.ts';
import { anchorsOf, type Flags, flagsOf, flagWords, hasFlag, invocations, relativeLinks, sections } from './_docs.ts';

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

/** The `--help` of a command path, run once per test file (the README and docs checks read the same texts). */
const limit = pLimit(4);
const helps = new Map<string, Promise<Help>>();
function helpOf(path: readonly string[]): Promise<Help> {
  const key = path.join(' ');
  let help = helps.get(key);
  if (!help) {
    help = limit(() => strata([...path, '--help']));
    helps.set(key, help);
  }
  return help;
}

const GROUPS = ['secrets', 'images', 'imageupdate'];

/** The flags of a command path, from its `--help`. */
async function flagsFor(path: readonly string[]): Promise<Flags> {
  const help = await helpOf(path);
  expect(help.code, `strata ${path.join(' ')} --help: ${help.stderr}`).toBe(0);
  return flagsOf(help.stdout);
}

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
    const top = await helpOf([]);
    expect(top.stderr).toBe('');
    expect(top.code).toBe(0);
    for (const entry of commandTable) expect(top.stdout, entry.command).toContain(`strata ${entry.command}`);

    const groups = GROUPS;
    const [groupHelps, commandHelps] = await Promise.all([
      Promise.all(groups.map((group) => helpOf([group]))),
      Promise.all(commandTable.map((entry) => helpOf([first(entry.command)]))),
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
    const nestedHelps = await Promise.all(nested.map((path) => helpOf(path)));
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
    const results = await Promise.all(['images', 'imageupdate', 'secrets'].map((group) => strata([group])));
    for (const [index, group] of ['images', 'imageupdate', 'secrets'].entries()) {
      expect(results[index]?.code, group).toBe(2);
      expect(results[index]?.stderr, group).toContain(`command; \`strata ${group} --help\` lists them.`);
    }
  });
});

/** Every command path: each top-level command, and the subcommands its group's help lists. */
async function commandPaths(): Promise<string[][]> {
  const paths: string[][] = [];
  for (const entry of commandTable) {
    const name = first(entry.command);
    paths.push([name]);
    if (!GROUPS.includes(name)) continue;
    const { code, stdout, stderr } = await helpOf([name]);
    expect(code, `strata ${name} --help: ${stderr}`).toBe(0);
    for (const match of stdout.matchAll(new RegExp(`^  strata ${name} ([\\w-]+)`, 'gm'))) paths.push([name, match[1] as string]);
  }
  return paths;
}

const read = (file: string): string => readFileSync(join(REPO, file), 'utf8');
const DOCS = readdirSync(join(REPO, 'docs'))
  .filter((name) => name.endsWith('.md'))
  .sort()
  .map((name) => `docs/${name}`);
/** The Markdown a reader of the repository meets: the README, docs/ and the READMEs beside the code. */
const MARKDOWN = ['README.md', ...DOCS, 'src/constructs/README.md', 'src/constructs/imports/crds/README.md', 'clusters/README.md', 'apps/README.md', 'test/secrets/fixtures/README.md'];

describe('README.md and docs/ follow the command modules', () => {
  it("the README's command table has one row per command, each group's subcommands, flags that exist and the exit codes of --help", async () => {
    const table = sections(read('README.md')).find((section) => section.heading === 'Commands');
    expect(table, 'README.md has a "## Commands" section').toBeDefined();
    const rows = (table?.body ?? '').split('\n').filter((line) => line.startsWith('| `strata '));
    const names: string[] = [];
    for (const row of rows) {
      const cells = row.split(/(?<!\\)\|/).map((cell) => cell.trim());
      const usage = /^`([^`]+)`$/.exec(cells[1] ?? '')?.[1] ?? '';
      const words = usage.replace(/\\\|/g, '|').split(' ').slice(1);
      const name = words[0] as string;
      names.push(name);
      expect(commandTable.map((entry) => first(entry.command)), `README row "${usage}": no such command`).toContain(name);
      let paths = [[name]];
      if (GROUPS.includes(name)) {
        const subcommands = (await commandPaths()).filter((path) => path[0] === name && path.length === 2).map((path) => path[1]);
        expect((words[1] ?? '').split('|').sort(), `README row "${usage}" names every subcommand of ${name}`).toEqual(subcommands.sort());
        paths = subcommands.map((sub) => [name, sub as string]);
      }
      for (const path of paths) {
        const flags = (await flagsFor(path));
        for (const flag of flagWords(words)) expect(hasFlag(flags, flag), `README row "${usage}": strata ${path.join(' ')} has no ${flag}`).toBe(true);
      }
      const codes = (text: string) => [...new Set(text.match(/\b[0-2]\b/g) ?? [])].sort();
      expect(codes(cells[3] ?? ''), `README row "${usage}" gives exit codes`).toContain('0');
      const epilogue = /^Exit codes: (.*)$/m.exec((await helpOf([name])).stdout)?.[1];
      if (epilogue) expect(codes(cells[3] ?? ''), `README row "${usage}": the exit codes of strata ${name} --help`).toEqual(codes(epilogue));
    }
    expect(names.sort(), 'one README row per command').toEqual(commandTable.map((entry) => first(entry.command)).sort());
  }, 180_000);

  it('docs/cli.md has a section for every command and subcommand that names each of its flags, and no flag it lacks', async () => {
    const all = sections(read('docs/cli.md'));
    const paths = await commandPaths();
    const documented = all.filter((section) => section.heading.startsWith('strata ')).map((section) => section.heading.slice('strata '.length));
    expect(documented.sort(), 'docs/cli.md: one "strata <command>" heading per command and subcommand').toEqual(paths.map((path) => path.join(' ')).sort());
    const preamble = all[0]?.body ?? '';
    const sectionOf = (path: readonly string[]) => all.find((section) => section.heading === `strata ${path.join(' ')}`)?.body ?? '';
    const mentions = (text: string, name: string) => new RegExp(`(?<![\\w-])--(?:no-)?${name}(?![\\w-])`).test(text);
    const spanFlags = (text: string) => [...text.replace(/\n/g, ' ').matchAll(/`(-[^`]*)`/g)].flatMap((span) => flagWords((span[1] as string).split(' ')).slice(0, 1));
    const preambleFlags = await Promise.all(paths.map(async (path) => (await flagsFor(path))));
    for (const flag of spanFlags(preamble)) expect(preambleFlags.some((flags) => hasFlag(flags, flag)), `docs/cli.md names ${flag}, which no command has`).toBe(true);
    for (const path of paths) {
      const own = sectionOf(path);
      const context = [preamble, path.length > 1 ? sectionOf(path.slice(0, 1)) : '', own].join('\n');
      const flags = (await flagsFor(path));
      for (const name of flags.long) {
        if (name !== 'help') expect(mentions(context, name), `docs/cli.md: the section of strata ${path.join(' ')} does not name --${name}`).toBe(true);
      }
      // A group's section speaks for all its subcommands.
      const subcommands = paths.filter((other) => other.length === 2 && other[0] === path[0]);
      const owners = path.length === 1 && subcommands.length > 0 ? subcommands : [path];
      for (const flag of spanFlags(own)) {
        for (const owner of owners) {
          expect(hasFlag((await flagsFor(owner)), flag), `docs/cli.md, section strata ${path.join(' ')}: strata ${owner.join(' ')} has no ${flag}`).toBe(true);
        }
      }
    }
  }, 180_000);

  it('every strata command line in the Markdown names a command that exists and flags it takes', async () => {
    const paths = await commandPaths();
    const known = new Set(paths.map((path) => path.join(' ')));
    let checked = 0;
    for (const file of MARKDOWN) {
      for (const { text, words } of invocations(read(file))) {
        const [head = '', next = ''] = words;
        if (head.startsWith('<') || head.startsWith('…')) continue; // `strata <command>`, `strata …`
        const where = `${file}: \`${text}\``;
        const resolved: string[][] = [];
        if (head.startsWith('-')) resolved.push([]);
        else {
          for (const name of head.split('|')) {
            expect(known.has(name), `${where}: no command "${name}"`).toBe(true);
            if (GROUPS.includes(name) && next && !/^[-<[]/.test(next)) {
              for (const sub of next.split('|')) {
                expect(known.has(`${name} ${sub}`), `${where}: no command "${name} ${sub}"`).toBe(true);
                resolved.push([name, sub]);
              }
            } else resolved.push([name]);
          }
        }
        for (const path of resolved) {
          const flags = (await flagsFor(path));
          for (const flag of flagWords(words)) expect(hasFlag(flags, flag), `${where}: strata ${path.join(' ')} has no ${flag}`).toBe(true);
        }
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(50);
  }, 180_000);

  it('links in the Markdown, and docs/README paths in the code, lead to files and headings that exist', () => {
    const anchors = (file: string) => anchorsOf(read(file));
    for (const file of MARKDOWN) {
      for (const link of relativeLinks(read(file))) {
        const target = link.target === '' ? file : relative(REPO, join(REPO, dirname(file), link.target));
        expect(existsSync(join(REPO, target)), `${file}: link to ${link.target}, which does not exist`).toBe(true);
        if (link.anchor !== undefined) expect(anchors(target), `${file}: link to ${link.target}#${link.anchor}, a heading ${target} does not have`).toContain(link.anchor);
      }
    }
    const readme = read('README.md');
    for (const page of DOCS) expect(readme, `README.md links to ${page}`).toContain(`](${page}`);

    const code = ['cli', 'src', 'scripts', 'bench', '.github/workflows'].flatMap((folder) =>
      (readdirSync(join(REPO, folder), { recursive: true, encoding: 'utf8' }) as string[]).filter((name) => /\.(ts|js|sh|ya?ml)$/.test(name)).map((name) => join(folder, name)),
    );
    let references = 0;
    for (const file of [...code, '.ci/run', 'Dockerfile']) {
      for (const match of read(file).matchAll(/(?<![\w/.-])((?:[\w-]+\/)*(?:README|[\w-]+)\.md)(?:#([\w-]+))?/g)) {
        const [, target = '', anchor] = match;
        if (!target.startsWith('docs/') && !target.endsWith('README.md')) continue;
        references++;
        expect(existsSync(join(REPO, target)), `${file} refers to ${target}, which does not exist`).toBe(true);
        if (anchor) expect(anchors(target), `${file} refers to ${target}#${anchor}`).toContain(anchor);
      }
    }
    expect(references).toBeGreaterThan(0);
  });
});
