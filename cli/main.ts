import { createRequire } from 'node:module';
import type yargsFactory from 'yargs';
import { commandTable, lazyCommand } from './commands/index.ts';
import { exitCodeFor, reportError } from './errors.ts';

// yargs's CommonJS build, not its ES module: only the former wraps help text at word
// boundaries (the ES build breaks words mid-way: yargs/yargs#2112).
const yargs = createRequire(import.meta.url)('yargs/yargs') as typeof yargsFactory;

/** Runs the `strata` CLI with the given arguments (without `node` and the script). */
export async function main(argv: readonly string[]): Promise<void> {
  const parser = yargs([...argv])
    .scriptName('strata')
    .usage('$0 <command> [options]\n\nGitOps in typed TypeScript: compile clusters to manifests in Git, reconcile them in the cluster.')
    .command(commandTable.map(lazyCommand))
    .demandCommand(1, 'Name a command; `strata --help` lists them.')
    .strict()
    .recommendCommands()
    .epilogue(
      'Exit codes: 0 success; 1 the check found a difference (check, diff, parity), validation failed, or a reconcile --wait ended not Ready; 2 usage or runtime error.\n' +
        'Colour follows the terminal and is off when NO_COLOR is set.',
    )
    .help()
    .alias('h', 'help')
    .version(false)
    .wrap(Math.min(110, process.stdout.columns ?? 100))
    .fail((message, error) => {
      if (error) throw error;
      process.stderr.write(`Error: ${message}\nRun \`strata --help\` for usage.\n`);
      process.exit(2);
    });
  try {
    await parser.parseAsync();
  } catch (error) {
    reportError(error);
    process.exitCode = exitCodeFor(error);
  }
}
