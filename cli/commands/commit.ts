import type { Argv } from 'yargs';
import { commitOutput, type CommitResult } from '../../src/compiler/index.ts';
import { withOutputOption, withProjectOptions } from '../options.ts';
import { Progress, paint, printData } from '../output.ts';
import { progressReporter } from './synth.ts';
import { defineCommand } from '../command.ts';

export const commitCommand = defineCommand({
  command: 'commit [clusters..]',
  describe: 'Compile, stage deploy/ and commit it with the source commit and a summary of changed objects',
  builder: (yargs: Argv) =>
    withOutputOption(withProjectOptions(yargs))
      .positional('clusters', { type: 'string', array: true, default: [], describe: 'Clusters to compile and commit; all when omitted' })
      .option('message', { alias: 'm', type: 'string', describe: 'First line of the commit message (default: "deploy: compile <source commit>")' })
      .example('$0 commit', 'Compile every cluster and commit deploy/ (CI on main)')
      .example('$0 commit production -o json', 'Commit one cluster and print what was committed as JSON')
      .epilogue(
        'Only deploy/<cluster>/ paths are staged and committed; other staged changes are left alone. ' +
          'The message carries `Source-Commit: <sha>` and one line per changed object file. Nothing to commit: no commit is made.\n' +
          'Exit codes: 0 committed or nothing to commit; 2 compile, git or usage error.',
      ),
  handler: async (args) => {
    const progress = new Progress();
    let result: CommitResult;
    try {
      result = await commitOutput({ root: args.root, clusters: args.clusters, typecheck: args.typecheck, cache: args.cache, subject: args.message, onProgress: progressReporter(progress) });
    } finally {
      progress.done();
    }
    const { synth: _synth, ...data } = result;
    printData(args.output, data, () =>
      result.committed ? `${paint('committed', 'green')} ${result.commit?.slice(0, 12) ?? ''}\n${result.message ?? ''}` : 'deploy/ is up to date: nothing to commit',
    );
  },
});
