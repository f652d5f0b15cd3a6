// `strata imageupdate <command>`: the in-cluster ImageUpdate objects (run now, suspend, resume).
// A group rather than `strata reconcile imageupdate <name>`: `reconcile <sync>` takes any name,
// so a kind word there would shadow a Sync called "imageupdate" and change its usage line.
import type { CommandModule } from 'yargs';
import { imageUpdateReconcileCommand } from './imageupdate-reconcile.ts';
import { imageUpdateResumeCommand } from './imageupdate-resume.ts';
import { imageUpdateSuspendCommand } from './imageupdate-suspend.ts';

export const imageUpdateCommand: CommandModule<object, object> = {
  command: 'imageupdate',
  describe: 'ImageUpdate objects in the cluster: reconcile (run now, --wait), suspend, resume (list them: strata get imageupdates)',
  builder: (yargs) =>
    yargs
      .command(imageUpdateReconcileCommand)
      .command(imageUpdateSuspendCommand)
      .command(imageUpdateResumeCommand)
      .demandCommand(1, 'Name an imageupdate command; `strata imageupdate --help` lists them.'),
  handler: () => undefined,
};
