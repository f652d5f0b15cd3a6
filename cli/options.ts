import type { Argv } from 'yargs';

/** Flags every compiling command shares. */
export interface ProjectArgs {
  readonly root: string;
  readonly typecheck: boolean;
  readonly cache: boolean;
}

export function withProjectOptions<T>(yargs: Argv<T>): Argv<T & ProjectArgs> {
  return yargs
    .option('root', { type: 'string', default: '.', describe: 'Project root (the folder holding clusters/)', normalize: true })
    .option('typecheck', {
      type: 'boolean',
      default: true,
      describe: 'Type-check the cluster sources first (--no-typecheck skips it, and with it the unchanged-output shortcut)',
    })
    .option('cache', { type: 'boolean', default: true, describe: 'Reuse results for unchanged sources (.cache/strata/); --no-cache recompiles everything' }) as Argv<
    T & ProjectArgs
  >;
}

export type OutputFormat = 'text' | 'json' | 'yaml';

export interface OutputArgs {
  readonly output: OutputFormat;
}

export function withOutputOption<T>(yargs: Argv<T>): Argv<T & OutputArgs> {
  return yargs.option('output', {
    alias: 'o',
    choices: ['text', 'json', 'yaml'] as const,
    default: 'text' as const,
    describe: 'Output format: text for people, json or yaml for programs',
  }) as Argv<T & OutputArgs>;
}
