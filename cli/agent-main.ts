// The entry of the agent image: only `strata agent`, so the bundle (`npm run build:agent`)
// leaves out the compiler, constructs and the other commands, and the agent starts small.
import yargs from './_yargs-cjs.cjs';
import { agentCommand } from './commands/agent.ts';
import { exitCodeFor, reportError } from './errors.ts';

try {
  await yargs(process.argv.slice(2))
    .scriptName('strata')
    .command(agentCommand)
    .demandCommand(1)
    .strict()
    .help()
    .version(false)
    .wrap(Math.min(110, process.stdout.columns ?? 100))
    // As in cli/main.ts: a failing handler is reported once by reportError (exit 2), not as
    // yargs's usage text followed by a stack trace (exit 1).
    .fail((message, error) => {
      if (error) throw error;
      process.stderr.write(`Error: ${message}\nRun \`strata agent --help\` for usage.\n`);
      process.exit(2);
    })
    .parseAsync();
} catch (error) {
  reportError(error);
  process.exitCode = exitCodeFor(error);
}
