// `strata images <command>`: image update automation (scan registries, pick tags by policy, update the locks).
import type { CommandModule } from 'yargs';
import { imagesScanCommand } from './images-scan.ts';
import { imagesUpdateCommand } from './images-update.ts';

export const imagesCommand: CommandModule<object, object> = {
  command: 'images',
  describe: 'Image update automation: scan registries and pick tags by policy, update the image locks',
  builder: (yargs) => yargs.command(imagesScanCommand).command(imagesUpdateCommand).demandCommand(1, 'Name an images command; `strata images --help` lists them.'),
  handler: () => undefined,
};
