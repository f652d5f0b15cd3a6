import type { CommandModule } from 'yargs';
import { imagesCommand } from './images.ts';
import { secretsCommand } from './secrets.ts';

// One module a command; each exports a yargs CommandModule. Keep this list sorted.
export const commands: CommandModule<object, any>[] = [imagesCommand, secretsCommand];
