import type { Argv, CommandModule } from 'yargs';
import type { AnyCommandModule } from '../command.ts';

/**
 * One top-level command as `strata --help` shows it, and where its module lives.
 * Command modules import the compiler, the kube client or SOPS at load time, so
 * loading all of them made every start (even `--help`) take seconds; the table
 * lets the CLI load only the module of the command that runs.
 * `command` and `describe` must equal the module's own (test/cli/help.test.ts checks).
 */
export interface CommandEntry {
  readonly command: string;
  readonly describe: string;
  readonly aliases?: readonly string[];
  readonly load: () => Promise<AnyCommandModule>;
}

// Keep this list sorted. A new command module needs a line here.
export const commandTable: readonly CommandEntry[] = [
  {
    command: 'agent',
    describe: 'Run the pull agent: reconcile Sync objects from Git and run ImageUpdate objects (in-cluster config, or --kubeconfig)',
    load: async () => (await import('./agent.ts')).agentCommand,
  },
  {
    command: 'bootstrap',
    describe: 'Install the agent into a cluster from Git and sync deploy/<cluster> (idempotent; also disaster recovery)',
    load: async () => (await import('./bootstrap.ts')).bootstrapCommand,
  },
  {
    command: 'charts',
    describe: 'Helm charts pinned in charts/lock.json: pull what the lock names, update within semver ranges',
    load: async () => (await import('./charts.ts')).chartsCommand,
  },
  {
    command: 'check [clusters..]',
    describe: 'Compile to a temporary folder and compare with the committed deploy/ (for CI); --pre checks a cluster before install',
    load: async () => (await import('./check.ts')).checkCommand,
  },
  {
    command: 'commit [clusters..]',
    describe: 'Compile, stage deploy/ and commit it with the source commit and a summary of changed objects',
    load: async () => (await import('./commit.ts')).commitCommand,
  },
  {
    command: 'diff <cluster>',
    describe: 'Diff the compiled output of a cluster against the live cluster (server-side dry-run); exit 1 when they differ',
    load: async () => (await import('./diff.ts')).diffCommand,
  },
  {
    command: 'events <sync>',
    describe: 'Show the Events of a Sync, oldest first, one line per changed object',
    load: async () => (await import('./events.ts')).eventsCommand,
  },
  {
    command: 'get <resource>',
    describe: 'List Syncs (revision, age) or ImageUpdates (reason, last push, last run) with their Ready condition and message',
    load: async () => (await import('./get.ts')).getCommand,
  },
  {
    command: 'history <cluster>',
    describe: 'The applied revisions of an environment: each commit that changed deploy/<cluster>/, who, when, why and which objects',
    load: async () => (await import('./history.ts')).historyCommand,
  },
  {
    command: 'images',
    describe: 'Image update automation: scan registries and pick tags by policy, update the image locks',
    load: async () => (await import('./images.ts')).imagesCommand,
  },
  {
    command: 'imageupdate',
    describe: 'ImageUpdate objects in the cluster: reconcile (run now, --wait), suspend, resume (list them: strata get imageupdates)',
    load: async () => (await import('./imageupdate.ts')).imageUpdateCommand,
  },
  {
    command: 'init [dir]',
    describe: 'Create an infrastructure repository: clusters/, base/, apps/ with one app, package.json, tsconfig, .sops.yaml, CI workflow',
    load: async () => (await import('./init.ts')).initCommand,
  },
  {
    command: 'install',
    describe: "Install the agent without Git: its CRDs, namespace, RBAC and Deployment (idempotent); --export prints them as YAML",
    load: async () => (await import('./install.ts')).installCommand,
  },
  {
    command: 'parity <a> <b>',
    describe: "Compare two environments' output object by object, expected overlay differences factored out",
    load: async () => (await import('./parity.ts')).parityCommand,
  },
  {
    command: 'reconcile <sync>',
    describe: 'Ask the agent to reconcile a Sync now; with --wait, wait for the result (exit 1 when not Ready)',
    load: async () => (await import('./reconcile.ts')).reconcileCommand,
  },
  {
    command: 'resume <sync>',
    describe: 'Resume a suspended Sync and reconcile it now',
    load: async () => (await import('./resume.ts')).resumeCommand,
  },
  {
    command: 'rollback <cluster>',
    describe: "Undo an environment's compiled changes after a revision with one new commit (deploy/<cluster>/ only)",
    load: async () => (await import('./rollback.ts')).rollbackCommand,
  },
  {
    command: 'secrets',
    describe: 'Encrypt files with SOPS and age: keygen, encrypt, decrypt, edit, rotate, add-recipient, remove-recipient, updatekeys',
    load: async () => (await import('./secrets.ts')).secretsCommand,
  },
  {
    command: 'suspend <sync>',
    describe: 'Suspend a Sync: nothing is applied or pruned until it is resumed',
    load: async () => (await import('./suspend.ts')).suspendCommand,
  },
  {
    command: 'synth [clusters..]',
    describe: 'Compile clusters to deploy/<cluster>/ (one file per object, index.json)',
    load: async () => (await import('./synth.ts')).synthCommand,
  },
  {
    command: 'tree <sync>',
    describe: "Show a Sync's inventory: every object it applied and would prune, and the inventories of the Syncs it applies (units)",
    load: async () => (await import('./tree.ts')).treeCommand,
  },
  {
    command: 'ui',
    describe: 'Serve the web UI (fleet of Syncs and ImageUpdates, live, reconcile/suspend/resume) on 127.0.0.1 with your kubeconfig credentials',
    load: async () => (await import('./ui.ts')).uiCommand,
  },
  {
    command: 'validate [clusters..]',
    describe: 'Validate every compiled object against the Kubernetes 1.30 OpenAPI schemas and the imported CRD schemas, and every name it refers to (offline)',
    load: async () => (await import('./validate.ts')).validateCommand,
  },
  {
    command: 'version',
    describe: 'Print the version of this Strata installation, its package and the runtime',
    load: async () => (await import('./version.ts')).versionCommand,
  },
];

/**
 * A yargs command that loads its module only when yargs runs it: yargs 17 awaits a
 * builder that returns a promise, so `--help` of the command still shows its flags.
 */
export function lazyCommand(entry: CommandEntry): CommandModule<object, object> {
  return {
    command: entry.command,
    describe: entry.describe,
    aliases: entry.aliases ? [...entry.aliases] : undefined,
    builder: async (yargs: Argv) => {
      const { builder } = await entry.load();
      if (typeof builder === 'function') return builder(yargs);
      return builder ? yargs.options(builder) : yargs;
    },
    handler: async (args) => (await entry.load()).handler(args),
  };
}
