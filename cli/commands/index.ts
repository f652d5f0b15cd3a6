import type { CommandModule } from 'yargs';
import { secretsCommand } from './secrets.ts';

// One module a command; each exports a yargs CommandModule. Keep this list sorted.
export const commands: CommandModule<object, any>[] = [secretsCommand];
