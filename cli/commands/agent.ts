// `strata agent`: runs the pull agent until SIGTERM or SIGINT.
import { readFileSync } from 'node:fs';
import { startAgent } from '../../src/agent/index.ts';
import { DEFAULT_SYNC_CONTROLLER_OPTIONS } from '../../src/reconciler/index.ts';
import { defineCommand } from '../command.ts';
import { readUiToken, startAgentUi } from './_agent-ui.ts';

export const agentCommand = defineCommand({
  command: 'agent',
  describe: 'Run the pull agent: reconcile Sync objects from Git and run ImageUpdate objects (in-cluster config, or --kubeconfig)',
  builder: (yargs) =>
    yargs
      .option('kubeconfig', { type: 'string', describe: 'Kubeconfig file (default: in-cluster config, then $KUBECONFIG)' })
      .option('namespace', { type: 'string', default: process.env.POD_NAMESPACE ?? 'strata-system', describe: "The agent's namespace (its leader Lease)" })
      .option('watch-namespace', { type: 'string', describe: 'Reconcile Syncs of this namespace only (default: all)' })
      .option('shard', { type: 'string', describe: 'Reconcile only Syncs and ImageUpdates labelled strata.dev/shard=<key>, on the Lease strata-agent-shard-<key> (default: those without the label)' })
      .option('port', { type: 'number', default: 8080, describe: 'Port of /metrics, /healthz, /readyz and /hook' })
      .option('leader-elect', { type: 'boolean', default: true, describe: 'Hold a Lease before reconciling (run two replicas)' })
      .option('concurrency', { type: 'number', default: DEFAULT_SYNC_CONTROLLER_OPTIONS.concurrency, describe: 'Syncs reconciled at once' })
      .option('alert-url', { type: 'string', array: true, default: [] as string[], describe: 'Webhook told when any Sync turns not-Ready or recovers (repeatable; per-Sync routing: spec.notifications)' })
      .option('alert-format', { choices: ['json', 'slack'] as const, default: 'json' as const, describe: 'Payload of the alert webhooks' })
      .option('webhook-secret-file', { type: 'string', describe: 'File of the secret forges sign /hook deliveries with (GitHub, GitLab, Gitea/Forgejo, Bitbucket Server, generic HMAC); one a line, any verifies' })
      .option('webhook-token-file', { type: 'string', describe: 'File holding a bearer token /hook accepts' })
      .option('webhook-auth', { type: 'boolean', default: true, describe: '/hook refuses deliveries no secret or token authenticates (--no-webhook-auth accepts them unchecked)' })
      .option('default-service-account', { type: 'string', describe: "namespace/name to apply as when a Sync names no serviceAccountName, or a bare name for that account in the Sync's own namespace" })
      .option('no-cross-namespace-refs', { type: 'boolean', default: false, describe: 'Refuse Syncs whose dependsOn or healthChecks name another namespace' })
      .option('local-source-namespace', { type: 'string', array: true, default: [] as string[], describe: "Namespace whose Syncs may use file:// repositories besides the agent's own (repeatable; * for all)" })
      .option('bind-address', { type: 'string', default: '0.0.0.0', describe: 'Address the HTTP endpoints listen on' })
      .option('hook-rate', { type: 'number', default: 10, describe: '/hook requests a second before 429 (bursts of twice as many)' })
      .option('cache-dir', { type: 'string', describe: 'Where Git checkouts are cached (default: a temporary folder)' })
      .option('image-updates', { type: 'boolean', default: true, describe: 'Run ImageUpdate objects: scan registries, update image locks, recompile and push (--image-updates=false to turn off)' })
      .option('ui', { type: 'boolean', default: false, describe: "Also serve the web UI's pages, read-only, behind the bearer token of --ui-token-file (off by default)" })
      .option('ui-token-file', { type: 'string', describe: 'File holding the bearer token the UI pages require (with --ui)' })
      .option('ui-port', { type: 'number', default: 8090, describe: 'Port of the UI pages (with --ui)' })
      .option('ui-address', { type: 'string', default: '127.0.0.1', describe: 'Address the UI pages listen on (with --ui; reach 127.0.0.1 with kubectl port-forward)' }),
  handler: async (args) => {
    const uiToken = args.ui ? readUiToken(args['ui-token-file']) : undefined;
    const token = args['webhook-token-file'] ? readFileSync(args['webhook-token-file'], 'utf8').trim() : undefined;
    const secrets = args['webhook-secret-file'] ? secretLines(args['webhook-secret-file']) : [];
    const agent = await startAgent({
      ...(args.kubeconfig ? { kubeconfig: args.kubeconfig } : {}),
      namespace: args.namespace,
      ...(args['watch-namespace'] ? { watchNamespace: args['watch-namespace'] } : {}),
      ...(args.shard === undefined ? {} : { shard: args.shard }),
      port: args.port,
      leaderElection: args['leader-elect'],
      concurrency: args.concurrency,
      alerts: args['alert-url'].map((url) => ({ url, format: args['alert-format'] })),
      ...(token ? { webhookToken: token } : {}),
      webhookSecrets: secrets,
      webhookAuth: args['webhook-auth'],
      ...(args['default-service-account'] ? { defaultServiceAccount: args['default-service-account'] } : {}),
      noCrossNamespaceRefs: args['no-cross-namespace-refs'],
      ...(args['local-source-namespace'].length > 0 ? { localSourceNamespaces: args['local-source-namespace'] } : {}),
      host: args['bind-address'],
      hookRatePerSecond: args['hook-rate'],
      ...(args['cache-dir'] ? { cacheDir: args['cache-dir'] } : {}),
      imageUpdates: args['image-updates'],
    });
    const ui = uiToken ? await startAgentUi({ kubeconfig: args.kubeconfig, token: uiToken, port: args['ui-port'], address: args['ui-address'] }) : undefined;
    await new Promise<void>((resolve) => {
      const stop = (): void => {
        process.off('SIGTERM', stop);
        process.off('SIGINT', stop);
        void Promise.all([agent.stop(), ui?.close()]).then(() => resolve());
      };
      process.on('SIGTERM', stop);
      process.on('SIGINT', stop);
    });
  },
});

/** The secrets of a --webhook-secret-file: one a line, blank lines skipped; none is an error. */
function secretLines(file: string): string[] {
  const secrets = readFileSync(file, 'utf8')
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '');
  if (secrets.length === 0) throw new Error(`--webhook-secret-file ${file}: the file holds no secret`);
  return secrets;
}
