// The agent under its own installed role (issue 19, item 6): an in-process agent whose
// kubeconfig is a token of the `strata-agent` ServiceAccount, bound to the ClusterRole that
// `StrataAgent` (and so `strata install`) generates, against the real kube-apiserver. The role
// reads no Secret by list or watch and no object a Sync manages; the agent still applies,
// watches for drift and corrects it, because all of that runs as the Sync's applying identity.
import { KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { StrataAgent } from '../../src/constructs/agent.ts';
import { KubeApiError, KubeClient } from '../../src/kube/index.ts';
import type { KubeObject } from '../../src/manifest/index.ts';
import { eventually } from '../cluster/index.ts';
import { agent, configMap, createSync, live, namespace, readyAt, repo, setupEnv, waitForSync, type Env } from '../reconciler/_harness.ts';

let env: Env;
let admin: KubeClient;
const clusterScoped: KubeObject[] = [];
beforeAll(async () => {
  env = await setupEnv();
  admin = await KubeClient.fromKubeConfig(env.kc);
});
afterAll(async () => {
  await env?.dispose();
  for (const object of clusterScoped) {
    await admin.delete({ group: 'rbac.authorization.k8s.io', version: 'v1', kind: object.kind, namespace: '', name: object.metadata.name as string }).catch(() => undefined);
  }
  admin?.close();
});

/** Installs the agent's identities and roles into `ns` (not its Deployment: the agent runs in-process). */
async function installRoles(ns: string): Promise<void> {
  const objects = StrataAgent.manifests({ image: 'strata:test', namespace: ns }).filter(
    (object) => !['Deployment', 'CustomResourceDefinition', 'Namespace'].includes(object.kind),
  );
  for (const object of objects) {
    await admin.apply(object, { fieldManager: 'test-install', force: true });
    if (object.kind.startsWith('Cluster')) clusterScoped.push(object);
  }
}

/** A kubeconfig holding a bound token of `ns/name`, as the agent's pod would mount. */
async function serviceAccountConfig(ns: string, name: string): Promise<{ kc: KubeConfig; token: string }> {
  const request = await admin.request<{ status: { token: string } }>('POST', `/api/v1/namespaces/${ns}/serviceaccounts/${name}/token`, {
    apiVersion: 'authentication.k8s.io/v1',
    kind: 'TokenRequest',
    spec: { expirationSeconds: 3600 },
  });
  const cluster = env.kc.getCurrentCluster()!;
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [cluster],
    users: [{ name, token: request.status.token }],
    contexts: [{ name, cluster: cluster.name, user: name }],
    currentContext: name,
  });
  return { kc, token: request.status.token };
}

const statusOf = async (request: Promise<unknown>): Promise<number> => {
  try {
    await request;
    return 200;
  } catch (error) {
    if (error instanceof KubeApiError) return error.status;
    throw error;
  }
};

describe('the agent under its installed role', { timeout: 120_000 }, () => {
  it('reads no Secret and no managed object itself, yet applies, watches and corrects drift as the applier', async () => {
    const ns = await namespace(env, 'agent-role');
    const target = await namespace(env, 'agent-role-app');
    await installRoles(ns);
    const { kc } = await serviceAccountConfig(ns, 'strata-agent');
    const asAgent = await KubeClient.fromKubeConfig(kc);
    try {
      const { url, secret } = await repo(env, ns, 'agent-role');
      const password = 'p4ss-agent-role';
      const sha = await env.git.push('agent-role', {
        files: {
          'cm.yaml': configMap(target, 'settings', { mode: 'blue' }),
          'secret.yaml': stringify({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'db', namespace: target }, data: { password: Buffer.from(password).toString('base64') } }),
        },
      });
      await agent(env, ns, { kubeconfig: kc, defaultServiceAccount: `${ns}/strata-applier` });
      await createSync(env, ns, 'app', { url, secretRef: { name: secret } });
      await waitForSync(env, ns, 'app', readyAt(sha), 60_000);

      // The role itself: no list or watch of Secrets anywhere and no read of the kinds the Sync applied; get of a Secret by name stays, for the credentials Syncs name.
      expect(await statusOf(asAgent.request('GET', '/api/v1/secrets'))).toBe(403);
      expect(await statusOf(asAgent.request('GET', `/api/v1/namespaces/${target}/secrets/db`))).toBe(200);
      expect(await statusOf(asAgent.request('GET', `/api/v1/namespaces/${target}/configmaps`))).toBe(403);
      expect(await statusOf(asAgent.request('GET', `/api/v1/namespaces/${target}/secrets?watch=true&timeoutSeconds=1`))).toBe(403);

      // Drift on both is still seen by the watch (it runs as the applier) and corrected within seconds, not at the 10 m interval.
      await admin.request('PATCH', `/api/v1/namespaces/${target}/configmaps/settings`, { data: { mode: 'green' } }, { contentType: 'application/merge-patch+json', query: { fieldManager: 'kubectl-edit' } });
      await admin.request('PATCH', `/api/v1/namespaces/${target}/secrets/db`, { data: { password: Buffer.from('guessed').toString('base64') } }, { contentType: 'application/merge-patch+json', query: { fieldManager: 'kubectl-edit' } });
      await eventually(async () => {
        const cm = await live<{ data?: Record<string, string> }>(env, `/api/v1/namespaces/${target}/configmaps/settings`);
        const db = await live<{ data?: Record<string, string> }>(env, `/api/v1/namespaces/${target}/secrets/db`);
        expect(cm?.data?.mode).toBe('blue');
        expect(Buffer.from(db?.data?.password ?? '', 'base64').toString()).toBe(password);
        return true;
      }, { timeoutMs: 20_000 });
    } finally {
      asAgent.close();
    }
  });

  it('names its cluster-scoped objects after a namespace other than strata-system, so two installs keep their own', () => {
    const names = (ns: string): string[] =>
      StrataAgent.manifests({ image: 'strata:test', namespace: ns })
        .filter((object) => object.kind.startsWith('Cluster'))
        .map((object) => `${object.kind}/${object.metadata.name as string}`);
    expect(names('strata-system')).toEqual(['ClusterRole/strata-agent', 'ClusterRoleBinding/strata-agent', 'ClusterRoleBinding/strata-applier']);
    expect(names('team-a')).toEqual(['ClusterRole/strata-agent-team-a', 'ClusterRoleBinding/strata-agent-team-a', 'ClusterRoleBinding/strata-applier-team-a']);
  });
});
