import type { CommandModule } from 'yargs';
import { agentCommand } from './agent.ts';
import { bootstrapCommand } from './bootstrap.ts';
import { checkCommand } from './check.ts';
import { commitCommand } from './commit.ts';
import { diffCommand } from './diff.ts';
import { eventsCommand } from './events.ts';
import { getCommand } from './get.ts';
import { historyCommand } from './history.ts';
import { imagesCommand } from './images.ts';
import { parityCommand } from './parity.ts';
import { reconcileCommand } from './reconcile.ts';
import { resumeCommand } from './resume.ts';
import { rollbackCommand } from './rollback.ts';
import { secretsCommand } from './secrets.ts';
import { suspendCommand } from './suspend.ts';
import { synthCommand } from './synth.ts';
import { treeCommand } from './tree.ts';
import { validateCommand } from './validate.ts';

// One module a command; each exports a yargs CommandModule. Keep this list sorted.
export const commands: CommandModule<object, any>[] = [
  agentCommand,
  bootstrapCommand,
  checkCommand,
  commitCommand,
  diffCommand,
  eventsCommand,
  getCommand,
  historyCommand,
  imagesCommand,
  parityCommand,
  reconcileCommand,
  resumeCommand,
  rollbackCommand,
  secretsCommand,
  suspendCommand,
  synthCommand,
  treeCommand,
  validateCommand,
];
