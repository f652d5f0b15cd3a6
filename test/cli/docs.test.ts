// The README's command table, docs/cli.md and every `strata …` line of the Markdown against the
// command modules (their builders run on a real yargs instance: test/cli/_commands.ts), and every
// relative link against the files and headings it points at.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { REPO } from '../compiler/_project.ts';
import { allCommands, type CommandInfo } from './_commands.ts';
import { anchorsOf, flagWords, hasFlag, invocations, relativeLinks, sections } from './_docs.ts';

const read = (file: string): string => readFileSync(join(REPO, file), 'utf8');
const DOCS = readdirSync(join(REPO, 'docs'))
  .filter((name) => name.endsWith('.md'))
  .sort()
  .map((name) => `docs/${name}`);
/** The Markdown a reader of the repository meets: the README, docs/ and the READMEs beside the code. */
const MARKDOWN = ['README.md', ...DOCS, 'src/constructs/README.md', 'src/constructs/imports/crds/README.md', 'clusters/README.md', 'apps/README.md', 'test/secrets/fixtures/README.md'];

let commands: CommandInfo[] = [];
const find = (path: readonly string[]): CommandInfo | undefined => commands.find((command) => command.path.join(' ') === path.join(' '));
const topLevel = (): CommandInfo[] => commands.filter((command) => command.path.length === 1);
/** The commands a flag written for `path` must exist in: the command itself, or every subcommand of a group. */
const owners = (path: readonly string[]): CommandInfo[] => {
  const command = find(path);
  if (!command) return [];
  return command.subcommands.length > 0 ? command.subcommands.map((sub) => find([...path, sub]) as CommandInfo) : [command];
};
const codes = (text: string): string[] => [...new Set(text.match(/\b[0-2]\b/g) ?? [])].sort();

beforeAll(async () => {
  commands = await allCommands();
}, 60_000);

describe('README.md and docs/ follow the command modules', () => {
  it("the README's command table has one row per command, each group's subcommands, flags that exist and the exit codes of --help", () => {
    const table = sections(read('README.md')).find((section) => section.heading === 'Commands');
    expect(table, 'README.md has a "## Commands" section').toBeDefined();
    const rows = (table?.body ?? '').split('\n').filter((line) => line.startsWith('| `strata '));
    for (const row of rows) {
      const cells = row.split(/(?<!\\)\|/).map((cell) => cell.trim());
      const usage = (/^`([^`]+)`$/.exec(cells[1] ?? '')?.[1] ?? '').replace(/\\\|/g, '|');
      const words = usage.split(' ').slice(1);
      const name = words[0] ?? '';
      const command = find([name]);
      expect(command, `README row "${usage}": no such command`).toBeDefined();
      if (!command) continue;
      if (command.subcommands.length > 0) expect((words[1] ?? '').split('|').sort(), `README row "${usage}" names every subcommand of ${name}`).toEqual([...command.subcommands].sort());
      for (const owner of owners([name])) {
        for (const flag of flagWords(words)) expect(hasFlag(owner.flags, flag), `README row "${usage}": strata ${owner.path.join(' ')} has no ${flag}`).toBe(true);
      }
      expect(codes(cells[3] ?? ''), `README row "${usage}" gives exit codes`).toContain('0');
      const epilogue = /^Exit codes: (.*)$/m.exec(command.epilogue ?? '')?.[1];
      if (epilogue) expect(codes(cells[3] ?? ''), `README row "${usage}": the exit codes of strata ${name} --help`).toEqual(codes(epilogue));
    }
    const names = rows.map((row) => /^\| `strata ([\w-]+)/.exec(row)?.[1]);
    expect(names.sort(), 'one README row per command').toEqual(topLevel().map((command) => command.path[0]).sort());
  });

  it('docs/cli.md has a section for every command and subcommand that names each of its flags, and no flag it lacks', () => {
    const all = sections(read('docs/cli.md'));
    const documented = all.filter((section) => section.heading.startsWith('strata ')).map((section) => section.heading.slice('strata '.length));
    expect(documented.sort(), 'docs/cli.md: one "strata <command>" heading per command and subcommand').toEqual(commands.map((command) => command.path.join(' ')).sort());
    // What the page says before and between the command sections speaks for every command (the shared flags).
    const preamble = all.filter((section) => !section.heading.startsWith('strata ')).map((section) => section.body).join('\n');
    const bodyOf = (path: readonly string[]): string => all.find((section) => section.heading === `strata ${path.join(' ')}`)?.body ?? '';
    const mentions = (text: string, name: string): boolean => new RegExp(`(?<![\\w-])--(?:no-)?${name}(?![\\w-])`).test(text);
    // Flags written on their own: `--root <dir>`, `-o`/`--output text|json`.
    const spanFlags = (text: string): string[] => [...text.replace(/\n/g, ' ').matchAll(/`(-[^`]*)`/g)].flatMap((span) => flagWords((span[1] as string).split(' ')).slice(0, 1));
    for (const flag of spanFlags(preamble)) expect(commands.some((command) => hasFlag(command.flags, flag)), `docs/cli.md names ${flag}, which no command has`).toBe(true);
    for (const command of commands) {
      const own = bodyOf(command.path);
      const context = [preamble, command.path.length > 1 ? bodyOf(command.path.slice(0, 1)) : '', own].join('\n');
      for (const names of command.options) {
        const long = names.filter((name) => name.length > 1);
        expect(long.some((name) => mentions(context, name)), `docs/cli.md: the section of strata ${command.path.join(' ')} does not name --${long[0]}`).toBe(true);
      }
      for (const flag of spanFlags(own)) {
        for (const owner of owners(command.path)) expect(hasFlag(owner.flags, flag), `docs/cli.md, section strata ${command.path.join(' ')}: strata ${owner.path.join(' ')} has no ${flag}`).toBe(true);
      }
    }
  });

  it('every strata command line in the Markdown names a command that exists and flags it takes', () => {
    let checked = 0;
    for (const file of MARKDOWN) {
      for (const { text, words } of invocations(read(file))) {
        const [head = '', next = ''] = words;
        if (head.startsWith('<') || head.startsWith('…')) continue; // `strata <command>`, `strata …`
        const where = `${file}: \`${text}\``;
        const paths: string[][] = [];
        if (!head.startsWith('-')) {
          for (const name of head.split('|')) {
            const command = find([name]);
            expect(command, `${where}: no command "${name}"`).toBeDefined();
            if (command && command.subcommands.length > 0 && next && !/^[-<[]/.test(next)) {
              for (const sub of next.split('|')) {
                expect(command.subcommands, `${where}: no command "${name} ${sub}"`).toContain(sub);
                paths.push([name, sub]);
              }
            } else paths.push([name]);
          }
        }
        for (const flag of flagWords(words)) {
          if (paths.length === 0) expect(flag, `${where}: strata takes no ${flag}`).toMatch(/^(-h|--help)$/);
          for (const owner of paths.flatMap(owners)) expect(hasFlag(owner.flags, flag), `${where}: strata ${owner.path.join(' ')} has no ${flag}`).toBe(true);
        }
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(50);
  });

  it('-o is the output format (text, json or yaml) wherever a command has it', () => {
    const withShortO = commands.filter((command) => command.options.some((names) => names.includes('o')));
    expect(withShortO.length).toBeGreaterThan(5);
    for (const command of withShortO) {
      const where = `strata ${command.path.join(' ')}`;
      expect(command.options.find((names) => names.includes('o')), `${where}: -o is --output`).toContain('output');
      expect(command.choices.output, `${where} -o`).toEqual(['text', 'json', 'yaml']);
    }
  });

  it('links in the Markdown, and docs/ and README paths in the code, lead to files and headings that exist', () => {
    const anchors = (file: string): Set<string> => anchorsOf(read(file));
    for (const file of MARKDOWN) {
      for (const link of relativeLinks(read(file))) {
        const target = link.target === '' ? file : relative(REPO, join(REPO, dirname(file), link.target));
        expect(existsSync(join(REPO, target)), `${file}: link to ${link.target}, which does not exist`).toBe(true);
        if (link.anchor !== undefined) expect([...anchors(target)], `${file}: link to ${link.target}#${link.anchor}, a heading ${target} does not have`).toContain(link.anchor);
      }
    }
    const readme = read('README.md');
    for (const page of DOCS) expect(readme, `README.md links to ${page}`).toContain(`](${page}`);

    const code = ['cli', 'src', 'scripts', 'bench', '.github/workflows'].flatMap((folder) =>
      (readdirSync(join(REPO, folder), { recursive: true, encoding: 'utf8' }) as string[]).filter((name) => /\.(ts|js|sh|ya?ml)$/.test(name)).map((name) => join(folder, name)),
    );
    let references = 0;
    for (const file of [...code, '.ci/run', 'Dockerfile']) {
      for (const match of read(file).matchAll(/(?<![\w/.-])((?:[\w-]+\/)*[\w-]+\.md)(?:#([\w-]+))?/g)) {
        const [, target = '', anchor] = match;
        if (!target.startsWith('docs/') && !target.endsWith('README.md')) continue;
        references++;
        expect(existsSync(join(REPO, target)), `${file} refers to ${target}, which does not exist`).toBe(true);
        if (anchor) expect([...anchors(target)], `${file} refers to ${target}#${anchor}`).toContain(anchor);
      }
    }
    expect(references).toBeGreaterThan(0);
  });
});
