// The entry of the agent image: only `strata agent`, so the bundle (`npm run build:agent`)
// leaves out the compiler, constructs and the other commands, and the agent starts small.
import yargs from 'yargs';
import { agentCommand } from './commands/agent.ts';
import { exitCodeFor, reportError } from './errors.ts';

try {
  await yargs(process.argv.slice(2)).scriptName('strata').command(agentCommand).demandCommand(1).strict().help().version(false).parseAsync();
} catch (error) {
  reportError(error);
  process.exitCode = exitCodeFor(error);
}
