// spec.notifications against the real kube-apiserver and recording servers on 127.0.0.1: each
// team's rule routes its failures to its own receiver only, a 429 then 200 is taken once, the
// commit status lands on the Source-Commit of the applied revision, no credential leaks.
import { createHmac } from 'node:crypto';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { agent, configMap, createSync, failedWith, namespace, readyAt, repo, setupEnv, waitFor, waitForSync, type Env } from './_harness.ts';
import { startRecorder, type Recorder } from './_recorder.ts';

let env: Env;
let recorders: Recorder[] = [];
beforeAll(async () => {
  env = await setupEnv();
});
afterEach(async () => {
  await Promise.all(recorders.map((recorder) => recorder.close()));
  recorders = [];
});
afterAll(async () => {
  await env?.dispose();
});

const TOKEN_A = 'hmac-team-a-61f0c9d2';
const TOKEN_B = 'hmac-team-b-0e93b7aa';
const GH_TOKEN = 'ghp_notify0123456789abcdef';
const SLACK_PATH = '/services/T0001/B0001/slackpath7c21e0';

describe('notifications', () => {
  it("routes each team's failures to its own provider, once, and posts commit status on the Source-Commit", async () => {
    const ns = await namespace(env, 'notify');
    const { url, secret } = await repo(env, ns, 'teams');
    const teamA = await startRecorder([{ status: 429, headers: { 'Retry-After': '1' } }]);
    const teamB = await startRecorder();
    const forge = await startRecorder();
    recorders.push(teamA, teamB, forge);
    const createSecret = (name: string, stringData: Record<string, string>) =>
      env.client.api.request('POST', `/api/v1/namespaces/${ns}/secrets`, { apiVersion: 'v1', kind: 'Secret', metadata: { name, namespace: ns }, stringData });
    await createSecret('team-a-hook', { address: `${teamA.url}${SLACK_PATH}`, token: TOKEN_A });
    await createSecret('team-b-hook', { address: `${teamB.url}/b`, token: TOKEN_B });
    await createSecret('github', { token: GH_TOKEN });

    const lines: string[] = [];
    const logger = pino({ level: 'debug' }, new Writable({ write: (chunk: Buffer, _encoding, done) => (lines.push(chunk.toString('utf8')), done()) }));
    await agent(env, ns, { logger });
    const source = 'c0ffee'.repeat(6) + 'c0ff';
    const first = await env.git.push('teams', {
      files: { 'a/a.yaml': configMap(ns, 'a'), 'b/b.yaml': configMap(ns, 'b') },
      message: `deploy: compile c0ffeec0ffee\n\nSource-Commit: ${source}\n`,
    });
    await createSync(env, ns, 'team-a', {
      url,
      secretRef: { name: secret },
      path: 'a',
      retryInterval: '10m',
      notifications: [
        { name: 'team-a', type: 'generic', events: ['failed', 'recovered'], secretRef: { name: 'team-a-hook' } },
        { type: 'github', secretRef: { name: 'github' }, address: forge.url, repository: 'org/app' },
      ],
    });
    await createSync(env, ns, 'team-b', { url, secretRef: { name: secret }, path: 'b', notifications: [{ name: 'team-b', type: 'generic', events: ['failed'], secretRef: { name: 'team-b-hook' } }] });
    await waitForSync(env, ns, 'team-a', readyAt(first));
    await waitForSync(env, ns, 'team-b', readyAt(first));

    // Applied: a success status on the source commit the revision was compiled from.
    const applied = await waitFor('the commit status', async () => forge.requests[0]);
    expect(applied.path).toBe(`/repos/org/app/statuses/${source}`);
    expect(applied.headers.authorization).toBe(`Bearer ${GH_TOKEN}`);
    expect(JSON.parse(applied.body)).toEqual({ state: 'success', context: `strata/${ns}/team-a`, description: `ReconciliationSucceeded: Applied revision: main@sha1:${first}` });

    // Team A's folder breaks; team B's does not.
    const broken = await env.git.push('teams', { files: { 'a/bad.yaml': 'key: [unclosed' }, message: 'break team a' });
    await env.client.requestReconcile(ns, 'team-a');
    await env.client.requestReconcile(ns, 'team-b');
    await waitForSync(env, ns, 'team-a', failedWith('BuildFailed'));
    await waitForSync(env, ns, 'team-b', readyAt(broken));
    const delivered = await waitFor('team A told', async () => teamA.accepted()[0], 15_000);
    await new Promise((resolve) => setTimeout(resolve, 2000)); // room for a duplicate to arrive
    expect(teamA.requests.map((request) => request.status)).toEqual([429, 200]);
    expect(teamA.requests[0]?.body).toBe(delivered.body);
    expect(teamA.requests[0]?.path).toBe(SLACK_PATH);
    const body = JSON.parse(delivered.body) as { event: string; sync: string; reason: string; revision: string; id: string };
    expect(body).toMatchObject({ event: 'failed', sync: `${ns}/team-a`, reason: 'BuildFailed', revision: `main@sha1:${broken}` });
    expect(delivered.headers['x-signature']).toBe(`sha256=${createHmac('sha256', TOKEN_A).update(delivered.body).digest('hex')}`);
    expect(delivered.headers['x-strata-delivery']).toBe(body.id);
    expect(teamB.requests).toEqual([]);
    // Without a trailer the failure status goes on the revision's own commit.
    const failure = await waitFor('the failure status', async () => forge.requests.find((request) => JSON.parse(request.body).state === 'failure'));
    expect(failure.path).toBe(`/repos/org/app/statuses/${broken}`);

    const payloads = [...teamA.requests, ...teamB.requests, ...forge.requests].map((request) => request.body).join('\n');
    const log = lines.join('');
    expect(log).toContain('"event":"notification-sent"');
    for (const value of [TOKEN_A, TOKEN_B, GH_TOKEN, SLACK_PATH]) {
      expect(payloads).not.toContain(value);
      expect(log).not.toContain(value);
    }
    for (const name of ['team-a', 'team-b']) expect(JSON.stringify((await env.client.get(ns, name)).status)).not.toMatch(/hmac-team|ghp_|slackpath/);
  }, 120_000);
});
