// What each command module declares, read in-process by running its builder on a real yargs
// instance: its options (with their aliases), its subcommands and its epilogue. The README and
// docs/ checks compare the Markdown with this; test/cli/help.test.ts checks the real binary's --help.
import { createRequire } from 'node:module';
import type { Argv, CommandModule } from 'yargs';
import type yargsFactory from 'yargs';
import { commandTable } from '../../cli/commands/index.ts';
import type { Flags } from './_docs.ts';

const yargs = createRequire(import.meta.url)('yargs/yargs') as typeof yargsFactory;

export interface CommandInfo {
  /** `['secrets', 'keygen']`. */
  readonly path: readonly string[];
  /** Every option, each as all of its names (`['output', 'o']`); positionals, help and version left out. */
  readonly options: readonly (readonly string[])[];
  readonly flags: Flags;
  /** The allowed values of each option that has a fixed set (`output: ['text', 'json', 'yaml']`). */
  readonly choices: Readonly<Record<string, readonly unknown[]>>;
  readonly subcommands: readonly string[];
  readonly epilogue?: string;
}

const first = (command: string): string => command.split(' ')[0] ?? command;

async function inspect(path: readonly string[], module: CommandModule): Promise<{ info: CommandInfo; nested: CommandModule[] }> {
  const parser = yargs([]) as Argv;
  const nested: CommandModule[] = [];
  let epilogue: string | undefined;
  const spied = parser as unknown as { command: (module: CommandModule) => Argv; epilogue: (text: string) => Argv; epilog: (text: string) => Argv };
  const command = spied.command.bind(parser);
  const epilog = spied.epilogue.bind(parser);
  spied.command = (sub: CommandModule) => {
    nested.push(sub);
    return command(sub);
  };
  spied.epilogue = spied.epilog = (text: string) => {
    epilogue = text;
    return epilog(text);
  };
  if (typeof module.builder === 'function') await module.builder(parser);
  else if (module.builder) parser.options(module.builder);
  const declared = (parser as unknown as { getOptions(): { key: Record<string, unknown>; alias: Record<string, string[]>; choices: Record<string, unknown[]> } }).getOptions();
  const positionals = new Set([...String(module.command).matchAll(/[<[]([\w-]+)(?:\.\.)?[>\]]/g)].map((match) => match[1] as string));
  const seen = new Set<string>();
  const options: string[][] = [];
  for (const key of Object.keys(declared.key)) {
    if (seen.has(key) || positionals.has(key) || key === 'help' || key === 'version') continue;
    const names = [key, ...(declared.alias[key] ?? [])];
    for (const name of names) seen.add(name);
    options.push(names);
  }
  const all = [...options.flat(), 'help', 'h'];
  const flags: Flags = { long: new Set(all.filter((name) => name.length > 1)), short: new Set(all.filter((name) => name.length === 1)) };
  const info: CommandInfo = { path, options, flags, choices: { ...declared.choices }, subcommands: nested.map((sub) => first(String(sub.command))), ...(epilogue === undefined ? {} : { epilogue }) };
  return { info, nested };
}

/** Every command and subcommand of `strata`, in the order of cli/commands/index.ts. */
export async function allCommands(): Promise<CommandInfo[]> {
  const found: CommandInfo[] = [];
  for (const entry of commandTable) {
    const name = first(entry.command);
    const { info, nested } = await inspect([name], (await entry.load()) as CommandModule);
    found.push(info);
    for (const sub of nested) found.push((await inspect([name, first(String(sub.command))], sub)).info);
  }
  return found;
}
