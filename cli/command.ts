import type { ArgumentsCamelCase, Argv, CommandModule, Options } from 'yargs';

/**
 * A command module whose arguments' type is inferred from its builder, so that no
 * hand-written interface can drift from the flags (and no cast hides it when it does).
 */
export function defineCommand<U>(module: CommandModule<object, U>): CommandModule<object, U> {
  return module;
}

/** A command module, whatever its arguments: what the table of lazily loaded commands holds. */
export interface AnyCommandModule {
  readonly command?: string | readonly string[] | undefined;
  readonly describe?: string | false | undefined;
  readonly aliases?: string | readonly string[] | undefined;
  readonly builder?: ((yargs: Argv) => Argv<object> | PromiseLike<Argv<object>>) | { readonly [key: string]: Options } | undefined;
  // A method, so that a module's handler of its own arguments fits (yargs passes it what its builder declared).
  handler(args: ArgumentsCamelCase<object>): void | Promise<void>;
}
