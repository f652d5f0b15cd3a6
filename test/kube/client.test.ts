// The engine's client against the real kube-apiserver: discovery (cached, refreshed on a miss so
// kinds of new CRDs resolve), request counters, errors, impersonation.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KubeApiError, NoKindMatchError, type KubeClient } from '../../src/kube/client.ts';
import { applyAllStaged } from '../../src/engine/apply.ts';
import { createTestNamespace, type TestNamespace } from '../cluster/namespace.ts';
import { testKubeConfig } from '../cluster/context.ts';
import { engineClient, manifestSet } from '../engine/_engine.ts';

let client: KubeClient;
let ns: TestNamespace;
const group = `c${randomBytes(3).toString('hex')}.strata.dev`;

beforeAll(async () => {
  client = await engineClient();
  ns = await createTestNamespace(testKubeConfig(), 'engine-client');
});
afterAll(async () => {
  for (const plural of ['alphas', 'betas']) await client.delete({ group: 'apiextensions.k8s.io', version: 'v1', kind: 'CustomResourceDefinition', namespace: '', name: `${plural}.${group}` }).catch(() => undefined);
  await ns?.delete();
  client?.close();
});

const crd = (kind: string, plural: string): string => `
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: { name: ${plural}.${group} }
spec:
  group: ${group}
  scope: Cluster
  names: { kind: ${kind}, plural: ${plural} }
  versions: [{ name: v1, served: true, storage: true, schema: { openAPIV3Schema: { type: object, x-kubernetes-preserve-unknown-fields: true } } }]
`;

describe('KubeClient', () => {
  it('resolves built-in kinds once and caches them', async () => {
    expect(await client.resource('apps/v1', 'Deployment')).toEqual({ group: 'apps', version: 'v1', kind: 'Deployment', resource: 'deployments', namespaced: true });
    client.resetStats();
    expect((await client.resource('apps/v1', 'StatefulSet')).resource).toBe('statefulsets');
    expect(client.stats.requests).toBe(0);
    expect((await client.resource('v1', 'Namespace')).namespaced).toBe(false);
    expect(client.stats.requests).toBe(1); // one read of /api/v1
  });

  it('refreshes discovery on a miss, so kinds of CRDs created since resolve', async () => {
    await expect(client.resource(`${group}/v1`, 'Alpha')).rejects.toBeInstanceOf(NoKindMatchError);
    await applyAllStaged(client, manifestSet(crd('Alpha', 'alphas'), ns.name));
    expect((await client.resource(`${group}/v1`, 'Alpha')).resource).toBe('alphas');
    // Alpha's group version is cached now; Beta joins it later and is found by the refresh.
    await applyAllStaged(client, manifestSet(crd('Beta', 'betas'), ns.name));
    expect((await client.resource(`${group}/v1`, 'Beta')).resource).toBe('betas');
    await expect(client.resource(`${group}/v1`, 'Gamma')).rejects.toThrow(`no kind Gamma in ${group}/v1`);
  });

  it('counts reads, dry-runs and writes', async () => {
    client.resetStats();
    const object = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'counted', namespace: ns.name } };
    await client.apply(object, { dryRun: true });
    await client.apply(object);
    await client.get({ group: '', version: 'v1', kind: 'ConfigMap', namespace: ns.name, name: 'counted' });
    expect(client.stats).toMatchObject({ requests: 3, dryRuns: 1, writes: 1, byMethod: { PATCH: 2, GET: 1 } });
  });

  it('raises KubeApiError with status, reason and causes; acts as the impersonated user', async () => {
    const error = (await client.apply({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'bad', namespace: ns.name }, spec: { ports: [{ port: 0 }] } }).catch((caught: unknown) => caught)) as KubeApiError;
    expect(error).toBeInstanceOf(KubeApiError);
    expect(error).toMatchObject({ status: 422, reason: 'Invalid' });
    expect(error.causes.some((cause) => cause.field === 'spec.ports[0].port')).toBe(true);
    const denied = (await client.impersonating('bob').get({ group: '', version: 'v1', kind: 'ConfigMap', namespace: ns.name, name: 'counted' }).catch((caught: unknown) => caught)) as KubeApiError;
    expect(denied).toMatchObject({ status: 403, reason: 'Forbidden' });
    expect(denied.message).toContain('User "bob" cannot get resource "configmaps"');
  });
});
