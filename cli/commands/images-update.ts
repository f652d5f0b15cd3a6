// `strata images update`: rewrite the image locks to each policy's pick, recompile the affected
// clusters, and optionally commit (one commit listing each image old → new) and push.
import { commitMessage, updateImages } from '../../src/images/index.ts';
import { ExitError } from '../errors.ts';
import { printData } from '../output.ts';
import { clientFor, environmentsOf, resultJson, withImagesFlags } from './images-flags.ts';
import { defineCommand } from '../command.ts';

export const imagesUpdateCommand = defineCommand({
  command: 'update',
  describe: 'Rewrite clusters/<env>/images.json to each policy\'s pick, recompile those clusters, optionally commit and push',
  builder: (yargs) =>
    withImagesFlags(yargs)
      .option('commit', { type: 'boolean', default: false, describe: 'commit the locks and compiled output (one commit; none when nothing changed)' })
      .option('push', { type: 'boolean', default: false, describe: 'push the commit (implies --commit); a moved remote is rebased onto, never force-pushed' })
      .option('remote', { type: 'string', default: 'origin', describe: 'remote to push to' })
      .option('branch', { type: 'string', describe: 'branch to push to. Default: the checked-out branch' })
      .option('compile', { type: 'boolean', default: true, describe: 'recompile the affected clusters (--no-compile rewrites the locks only)' }),
  handler: async (flags) => {
    const environments = environmentsOf(flags);
    const result = await updateImages({
      client: await clientFor(flags),
      ...(environments === undefined ? {} : { environments }),
      commit: flags.commit || flags.push,
      ...(flags.push ? { push: { remote: flags.remote, ...(flags.branch === undefined ? {} : { branch: flags.branch }) } } : {}),
      ...(flags.compile ? {} : { recompile: false as const }),
    });
    const data = { changes: result.changes, files: result.files, commit: result.commit ?? null, pushed: result.pushed, results: result.scan.results.map(resultJson) };
    printData(flags.output, data, () => {
      if (result.changes.length === 0) return 'Every image is at its policy\'s pick; nothing to update.\n';
      return commitMessage(result.changes) + (result.commit === undefined ? '' : `\n${result.pushed ? 'Pushed' : 'Committed'} ${result.commit}\n`);
    });
    for (const error of result.scan.errors) process.stderr.write(`Error: ${error.message}\n`);
    if (result.scan.errors.length > 0) throw new ExitError('', 2);
  },
});
