import type { CommandModule } from 'yargs';

// One module a command; each exports a yargs CommandModule. Keep this list sorted.
export const commands: CommandModule<object, any>[] = [];
