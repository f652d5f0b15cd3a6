// `strata bootstrap`: install the agent into a cluster from a Git repository and point it at deploy/<cluster>.
import { readFileSync } from 'node:fs';
import type { Argv } from 'yargs';
import { bootstrap } from '../../src/gitops/bootstrap.ts';
import { shortCommit } from '../../src/git/index.ts';
import { ExitError } from '../errors.ts';
import { withOutputOption } from '../options.ts';
import { paint, printData } from '../output.ts';
import { defineCommand } from '../command.ts';

export const bootstrapCommand = defineCommand({
  command: 'bootstrap',
  describe: 'Install the agent into a cluster from Git and sync deploy/<cluster> (idempotent; also disaster recovery)',
  builder: (yargs: Argv) =>
    withOutputOption(yargs)
      .option('repo', { type: 'string', demandOption: true, describe: 'Repository URL the agent pulls from (no credentials in it)' })
      .option('branch', { type: 'string', default: 'main', describe: 'Branch to follow' })
      .option('cluster', { type: 'string', demandOption: true, describe: 'Cluster: clusters/<cluster>/ and deploy/<cluster>/' })
      .option('context', { type: 'string', describe: 'Kubeconfig context (default: the current one)' })
      .option('kubeconfig', { type: 'string', describe: 'Kubeconfig file (default: $KUBECONFIG, ~/.kube/config)' })
      .option('age-key-file', { type: 'string', describe: "File with the cluster's age identity; stored as Secret strata-system/strata-age-key" })
      .option('git-username', { type: 'string', describe: 'HTTPS user for the repository; stored with the password as Secret strata-system/strata-git-auth' })
      .option('git-password-env', { type: 'string', describe: 'Name of the environment variable holding the HTTPS password or token' })
      .option('agent-image', { type: 'string', describe: 'Agent image (default: as in Git, strata/agent:<version> at first); a new one upgrades the agent through Git' })
      .option('interval', { type: 'string', describe: 'How often the root Sync looks for a new revision (default: as in Git, 1m at first)' })
      .option('wait', { type: 'boolean', default: true, describe: 'Wait until the root Sync is Ready (--no-wait: return once installed)' })
      .option('timeout', { type: 'number', default: 300, describe: 'Seconds to wait for Ready' })
      .option('typecheck', { type: 'boolean', default: false, describe: 'Type-check the cluster sources before compiling' })
      .example('$0 bootstrap --repo https://git.example.com/infra.git --cluster production --context prod --git-username bot --git-password-env GIT_TOKEN', 'Bootstrap production')
      .example('$0 bootstrap --repo https://git.example.com/infra.git --cluster production --context prod-new --git-username bot --git-password-env GIT_TOKEN --age-key-file prod.agekey', 'Disaster recovery: the same command on a new cluster')
      .epilogue(
        'Steps: check the cluster and permissions; clone; make clusters/<cluster>/ include the agent and the root Sync; compile; commit and push when changed; ' +
          'apply the agent once (later the agent applies itself from Git); create the credentials Secrets (never in Git); wait for Ready. ' +
          'A second run changes nothing and says so; a failed run is finished by running it again.\nExit codes: 0 bootstrapped; 2 error (the message names the step).',
      ),
  handler: async (args) => {
    let gitCredentials: { username: string; password: string } | undefined;
    if (args['git-username'] !== undefined || args['git-password-env'] !== undefined) {
      const variable = args['git-password-env'];
      const password = variable === undefined ? undefined : process.env[variable];
      if (args['git-username'] === undefined || password === undefined || password === '') {
        throw new ExitError(`--git-username and --git-password-env go together, and the variable must be set${variable ? ` (${variable} is empty)` : ''}`, 2);
      }
      gitCredentials = { username: args['git-username'], password };
    }
    const ageKey = args['age-key-file'] === undefined ? undefined : readAgeKey(args['age-key-file']);
    const quiet = args.output !== 'text';
    const result = await bootstrap({
      repo: args.repo,
      branch: args.branch,
      cluster: args.cluster,
      ...(args.context === undefined ? {} : { context: args.context }),
      ...(args.kubeconfig === undefined ? {} : { kubeconfig: args.kubeconfig }),
      ...(gitCredentials ? { gitCredentials } : {}),
      ...(ageKey === undefined ? {} : { ageKey }),
      ...(args['agent-image'] === undefined ? {} : { agentImage: args['agent-image'] }),
      ...(args.interval === undefined ? {} : { interval: args.interval }),
      wait: args.wait,
      timeoutMs: args.timeout * 1000,
      typecheck: args.typecheck,
      onProgress: (step, message) => {
        if (!quiet) process.stderr.write(`${paint(`► ${step}`, 'cyan', process.stderr.isTTY === true && !process.env['NO_COLOR'])} ${message}\n`);
      },
    });
    printData(args.output, result, () => {
      const ready = result.readyAfterMs === undefined ? 'not waited for' : `Ready after ${(result.readyAfterMs / 1000).toFixed(1)} s`;
      if (!result.changed) return `✔ ${result.cluster} is already bootstrapped at ${result.revision}: nothing changed (${ready}).`;
      const parts = [
        result.commit ? `committed and pushed ${shortCommit(result.commit)}` : 'Git unchanged',
        result.apply === 'changed' ? `agent installed (${result.applied.length} objects)` : result.apply === 'skipped' ? 'agent already installed' : 'agent unchanged',
        ...result.secrets.filter((secret) => secret.action !== 'unchanged').map((secret) => `Secret ${secret.name} ${secret.action}`),
      ];
      return `✔ ${result.cluster} bootstrapped at ${result.revision}: ${parts.join(', ')}; ${ready}.`;
    });
  },
});

function readAgeKey(file: string): string {
  const text = readFileSync(file, 'utf8');
  const keys = text.split('\n').filter((line) => line.startsWith('AGE-SECRET-KEY-'));
  if (keys.length === 0) throw new ExitError(`${file}: no AGE-SECRET-KEY-1… line (an age identity file is expected)`, 2);
  return `${keys.join('\n')}\n`;
}
