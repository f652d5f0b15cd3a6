/**
 * Integration helpers for the agent: the shared test cluster, a real Git
 * server, a namespace per test, the Sync CRD, and an in-process agent.
 */
import type { KubeConfig } from '@kubernetes/client-node';
import { pino } from 'pino';
import { stringify } from 'yaml';
import { createTestNamespace, type TestNamespace } from '../cluster/index.ts';
import { testKubeConfig } from '../cluster/context.ts';
import { startGitServer, type GitServer } from '../git/git-server.ts';
import { startAgent, type AgentHandle, type AgentProps } from '../../src/agent/agent.ts';
import { SyncClient } from '../../src/reconciler/sync-client.ts';
import { findCondition } from '../../src/reconciler/status.ts';
import type { Sync, SyncSpec } from '../../src/api/sync.ts';
import { KubeApiError } from '../../src/kube/errors.ts';

export { findCondition };

export interface Env {
  readonly kc: KubeConfig;
  readonly git: GitServer;
  readonly client: SyncClient;
  readonly agents: AgentHandle[];
  readonly namespaces: TestNamespace[];
  dispose(): Promise<void>;
}

let crdInstalled: Promise<void> | undefined;

export async function setupEnv(): Promise<Env> {
  const kc = testKubeConfig();
  const client = new SyncClient(kc);
  crdInstalled ??= client.installCrd();
  await crdInstalled;
  const git = await startGitServer();
  const agents: AgentHandle[] = [];
  const namespaces: TestNamespace[] = [];
  return {
    kc,
    git,
    client,
    agents,
    namespaces,
    async dispose() {
      await Promise.allSettled(agents.map((agent) => agent.stop()));
      await git.teardown();
      // With no agent left to honour them, finalizers would keep the namespaces terminating.
      await Promise.allSettled(namespaces.map((ns) => releaseSyncs(client, ns.name)));
      await Promise.allSettled(namespaces.map((ns) => ns.delete()));
    },
  };
}

export async function namespace(env: Env, prefix: string): Promise<string> {
  const ns = await createTestNamespace(env.kc, prefix);
  env.namespaces.push(ns);
  return ns.name;
}

/** An in-process agent watching one namespace, without leader election unless asked. */
export async function agent(env: Env, ns: string, props: AgentProps = {}): Promise<AgentHandle> {
  const handle = await startAgent({
    kubeconfig: env.kc,
    namespace: ns,
    watchNamespace: ns,
    port: 0,
    host: '127.0.0.1',
    leaderElection: false,
    jitter: 0,
    logger: pino({ level: process.env.STRATA_AGENT_LOG ?? 'silent' }),
    ...props,
  });
  env.agents.push(handle);
  return handle;
}

/** A Git repository on the test server with a Secret holding its basic-auth credentials. */
export async function repo(env: Env, ns: string, name: string): Promise<{ url: string; secret: string }> {
  await env.git.createRepo(name);
  const secret = `${name}-auth`;
  await env.client.api.request('POST', `/api/v1/namespaces/${ns}/secrets`, {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: secret, namespace: ns },
    stringData: { username: env.git.credentials.username, password: env.git.credentials.password },
  });
  return { url: env.git.httpUrl(name, { auth: false }), secret };
}

export function configMap(ns: string, name: string, data: Record<string, string> = { key: 'value' }): string {
  return stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: ns }, data });
}

export async function createSync(env: Env, ns: string, name: string, spec: SyncSpec): Promise<Sync> {
  return env.client.create({ metadata: { name, namespace: ns }, spec: { interval: '10m', ...spec } });
}

/** Polls the Sync until `predicate` holds; fails with the last status. */
export async function waitForSync(env: Env, ns: string, name: string, predicate: (sync: Sync) => boolean, timeoutMs = 30_000): Promise<Sync> {
  const deadline = Date.now() + timeoutMs;
  let last: Sync | undefined;
  for (;;) {
    last = await env.client.get(ns, name).catch(() => last);
    if (last && predicate(last)) return last;
    if (Date.now() > deadline) throw new Error(`Sync ${ns}/${name}: condition not met within ${timeoutMs} ms; status: ${JSON.stringify(last?.status, null, 1)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

export const readyAt = (revisionCommit: string) => (sync: Sync) =>
  findCondition(sync.status, 'Ready')?.status === 'True' && (sync.status?.lastAppliedRevision ?? '').endsWith(revisionCommit) && sync.status?.observedGeneration === sync.metadata.generation;

export const failedWith = (reason: string) => (sync: Sync) => {
  const ready = findCondition(sync.status, 'Ready');
  return ready?.status === 'False' && ready.reason === reason;
};

/** The live object, or undefined. */
export async function live<T = Record<string, unknown>>(env: Env, path: string): Promise<T | undefined> {
  try {
    return await env.client.api.get<T>(path);
  } catch (error) {
    if (error instanceof KubeApiError && error.status === 404) return undefined;
    throw error;
  }
}

export async function waitFor<T>(what: string, probe: () => Promise<T | undefined | false>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Removes the agent's finalizer from every Sync of a namespace. */
export async function releaseSyncs(client: SyncClient, ns: string): Promise<void> {
  for (const sync of await client.list(ns)) {
    await client.api.mergePatch(`/apis/strata.dev/v1alpha1/namespaces/${ns}/syncs/${sync.metadata.name}`, { metadata: { finalizers: null } }).catch(() => undefined);
  }
}
