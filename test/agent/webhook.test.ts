// Forge webhooks against the agent's real HTTP server and the real kube-apiserver: deliveries
// signed as GitHub, GitLab, Gitea and Bitbucket Server sign them reconcile the Syncs of the
// pushed repository; unsigned, wrongly signed, replayed and oversized ones change nothing.
import { createHmac } from 'node:crypto';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { agent, configMap, createSync, namespace, readyAt, repo, setupEnv, waitFor, waitForSync, type Env } from '../reconciler/_harness.ts';

let env: Env;
beforeAll(async () => {
  env = await setupEnv();
});
afterAll(async () => {
  await env?.dispose();
});

const SECRET = 'hook-secret-5be1a9c2';
const sign = (body: string, secret = SECRET) => createHmac('sha256', secret).update(body).digest('hex');

describe('forge webhooks', () => {
  it('a signed push reconciles the Syncs of its repository once; unsigned, wrong, replayed and oversized deliveries do nothing', async () => {
    const ns = await namespace(env, 'hook-forge');
    const { url, secret } = await repo(env, ns, 'forge');
    const lines: string[] = [];
    const logger = pino({ level: 'debug' }, new Writable({ write: (chunk: Buffer, _encoding, done) => (lines.push(chunk.toString('utf8')), done()) }));
    const handle = await agent(env, ns, { webhookSecrets: ['retired-secret', SECRET], webhookToken: 'bearer-5be1a9c2', logger });
    const pushV = (v: string) => env.git.push('forge', { files: { 'one/a.yaml': configMap(ns, 'a', { v }), 'two/b.yaml': configMap(ns, 'b', { v }) } });
    let commit = await pushV('0');
    // Two Syncs of the pushed repository and one of another.
    await createSync(env, ns, 'one', { url, secretRef: { name: secret }, path: 'one' });
    await createSync(env, ns, 'two', { url, secretRef: { name: secret }, path: 'two' });
    const { url: otherUrl, secret: otherSecret } = await repo(env, ns, 'other');
    const otherCommit = await env.git.push('other', { files: { 'c.yaml': configMap(ns, 'c') } });
    await createSync(env, ns, 'other', { url: otherUrl, secretRef: { name: otherSecret } });
    await waitForSync(env, ns, 'one', readyAt(commit));
    await waitForSync(env, ns, 'two', readyAt(commit));
    await waitForSync(env, ns, 'other', readyAt(otherCommit));
    const otherRuns = (await env.client.get(ns, 'other')).status?.history?.[0]?.totalReconciliations;

    const post = (body: string, headers: Record<string, string>) => fetch(`${handle.url}/hook`, { method: 'POST', headers: { 'Content-Type': 'application/json', ...headers }, body });
    const unchanged = async (revision: string) => {
      await new Promise((resolve) => setTimeout(resolve, 1500));
      for (const name of ['one', 'two']) expect((await env.client.get(ns, name)).status?.lastAttemptedRevision).toBe(`main@sha1:${revision}`);
    };

    // GitHub: unsigned, signed with the wrong secret, and tampered are refused.
    const before = commit;
    commit = await pushV('1');
    const github = JSON.stringify({ ref: 'refs/heads/main', after: commit, repository: { clone_url: url, html_url: 'https://forge.example/o/forge' } });
    expect((await post(github, { 'X-GitHub-Event': 'push', 'X-GitHub-Delivery': 'gh-1' })).status).toBe(401);
    const wrong = await post(github, { 'X-GitHub-Event': 'push', 'X-GitHub-Delivery': 'gh-1', 'X-Hub-Signature-256': `sha256=${sign(github, 'guessed-secret')}` });
    expect(wrong.status).toBe(401);
    expect(await wrong.json()).toEqual({ error: 'the github signature matches no configured secret' });
    expect((await post(github.replace('main', 'evil'), { 'X-GitHub-Delivery': 'gh-1', 'X-Hub-Signature-256': `sha256=${sign(github)}` })).status).toBe(401);
    expect((await post(github, { Authorization: 'Bearer guessed' })).status).toBe(401);
    await unchanged(before);

    // Signed right: both Syncs of the repository reconcile to the pushed commit, the other not.
    const signed = { 'X-GitHub-Event': 'push', 'X-GitHub-Delivery': 'gh-1', 'X-Hub-Signature-256': `sha256=${sign(github)}` };
    const accepted = await post(github, signed);
    expect(accepted.status).toBe(202);
    expect(((await accepted.json()) as { triggered: string[] }).triggered.sort()).toEqual([`${ns}/one`, `${ns}/two`]);
    await waitForSync(env, ns, 'one', readyAt(commit), 15_000);
    await waitForSync(env, ns, 'two', readyAt(commit), 15_000);

    // The same delivery again, and its signed body under a new delivery id: dropped.
    const applied = commit;
    commit = await pushV('2');
    const replay = await post(github, signed);
    expect(replay.status).toBe(200);
    expect(await replay.json()).toEqual({ triggered: [], duplicate: true });
    expect((await post(github, { ...signed, 'X-GitHub-Delivery': 'gh-forged' })).status).toBe(200);
    await unchanged(applied);

    // GitLab's token, Gitea's and Bitbucket Server's signatures, each a new delivery.
    const gitlab = JSON.stringify({ object_kind: 'push', after: commit, project: { git_http_url: url } });
    expect((await post(gitlab, { 'X-Gitlab-Event': 'Push Hook', 'X-Gitlab-Token': SECRET, 'X-Gitlab-Event-UUID': 'gl-1' })).status).toBe(202);
    await waitForSync(env, ns, 'one', readyAt(commit), 15_000);
    commit = await pushV('3');
    const gitea = JSON.stringify({ ref: 'refs/heads/main', after: commit, repository: { clone_url: url } });
    expect((await post(gitea, { 'X-Gitea-Event': 'push', 'X-Gitea-Delivery': 'gt-1', 'X-Gitea-Signature': sign(gitea) })).status).toBe(202);
    await waitForSync(env, ns, 'one', readyAt(commit), 15_000);
    commit = await pushV('4');
    const bitbucket = JSON.stringify({ eventKey: 'repo:refs_changed', changes: [{ toHash: commit }], repository: { links: { clone: [{ href: url, name: 'http' }] } } });
    expect((await post(bitbucket, { 'X-Event-Key': 'repo:refs_changed', 'X-Request-Id': 'bb-1', 'X-Hub-Signature': `sha256=${sign(bitbucket)}` })).status).toBe(202);
    await waitForSync(env, ns, 'one', readyAt(commit), 15_000);
    await waitForSync(env, ns, 'two', readyAt(commit), 15_000);

    // A GitHub ping is answered, a body over the cap is refused before it is read.
    const ping = JSON.stringify({ zen: 'Keep it logically awesome.', hook_id: 1 });
    expect((await post(ping, { 'X-GitHub-Event': 'ping', 'X-GitHub-Delivery': 'gh-ping', 'X-Hub-Signature-256': `sha256=${sign(ping)}` })).status).toBe(200);
    const huge = JSON.stringify({ repository: { clone_url: url }, pad: 'x'.repeat(2 * 1024 * 1024) });
    expect((await post(huge, { 'X-Hub-Signature-256': `sha256=${sign(huge)}` })).status).toBe(413);

    // The other repository's Sync was never triggered; no secret reached a log line.
    expect((await env.client.get(ns, 'other')).status?.history?.[0]?.totalReconciliations).toBe(otherRuns);
    const log = lines.join('');
    expect(log).toContain('"event":"webhook-refused"');
    expect(log).toContain('"event":"webhook-replayed"');
    for (const value of [SECRET, 'bearer-5be1a9c2', 'retired-secret']) expect(log).not.toContain(value);
  }, 120_000);

  it('without a secret or token every delivery is refused, unless authentication is turned off', async () => {
    const ns = await namespace(env, 'hook-open');
    const { url, secret } = await repo(env, ns, 'open');
    const first = await env.git.push('open', { files: { 'a.yaml': configMap(ns, 'a', { v: '0' }) } });
    const closed = await agent(env, ns);
    await createSync(env, ns, 'h', { url, secretRef: { name: secret } });
    await waitForSync(env, ns, 'h', readyAt(first));
    const body = JSON.stringify({ repository: { clone_url: url } });
    const refused = await fetch(`${closed.url}/hook`, { method: 'POST', body, headers: { 'X-Hub-Signature-256': `sha256=${sign(body)}` } });
    expect(refused.status).toBe(401);
    expect(((await refused.json()) as { error: string }).error).toContain('no webhook secret or token is configured');
    await closed.stop();

    const open = await agent(env, ns, { webhookAuth: false });
    await waitFor('its first reconcile', async () => open.controller()?.resultOf(`${ns}/h`) !== undefined);
    const second = await env.git.push('open', { files: { 'a.yaml': configMap(ns, 'a', { v: '1' }) } });
    expect((await fetch(`${open.url}/hook`, { method: 'POST', body })).status).toBe(202);
    await waitForSync(env, ns, 'h', readyAt(second), 15_000);
  }, 60_000);

  it("a Sync's own spec.webhook secret verifies deliveries for it, and moves no other Sync", async () => {
    const ns = await namespace(env, 'hook-team');
    const { url, secret } = await repo(env, ns, 'teams');
    for (const [name, value] of [['a-hook', 'team-a-secret-31c7'], ['b-hook', 'team-b-secret-9e02']]) {
      await env.client.api.request('POST', `/api/v1/namespaces/${ns}/secrets`, { apiVersion: 'v1', kind: 'Secret', metadata: { name, namespace: ns }, stringData: { secret: `${value}\n` } });
    }
    const handle = await agent(env, ns);
    const pushV = (v: string) => env.git.push('teams', { files: { 'a/a.yaml': configMap(ns, 'a', { v }), 'b/b.yaml': configMap(ns, 'b', { v }) } });
    const first = await pushV('0');
    await createSync(env, ns, 'a', { url, secretRef: { name: secret }, path: 'a', webhook: { secretRef: { name: 'a-hook' } } });
    await createSync(env, ns, 'b', { url, secretRef: { name: secret }, path: 'b', webhook: { secretRef: { name: 'b-hook' } } });
    await waitForSync(env, ns, 'a', readyAt(first));
    await waitForSync(env, ns, 'b', readyAt(first));
    const second = await pushV('1');
    const body = JSON.stringify({ ref: 'refs/heads/main', after: second, repository: { clone_url: url } });
    const post = (path: string, key: string, id: string) => fetch(`${handle.url}${path}`, { method: 'POST', body, headers: { 'X-GitHub-Delivery': id, 'X-Hub-Signature-256': `sha256=${sign(body, key)}` } });

    expect((await post('/hook', 'team-c-guess', 'd-0')).status).toBe(401);
    expect((await post(`/hook/${ns}/b`, 'team-a-secret-31c7', 'd-1')).status).toBe(401);
    const teamA = await post('/hook', 'team-a-secret-31c7', 'd-2');
    expect(teamA.status).toBe(202);
    expect(await teamA.json()).toEqual({ triggered: [`${ns}/a`] });
    await waitForSync(env, ns, 'a', readyAt(second), 15_000);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect((await env.client.get(ns, 'b')).status?.lastAttemptedRevision).toBe(`main@sha1:${first}`);
    const teamB = await post(`/hook/${ns}/b`, 'team-b-secret-9e02', 'd-3');
    expect(await teamB.json()).toEqual({ triggered: [`${ns}/b`] });
    await waitForSync(env, ns, 'b', readyAt(second), 15_000);
  }, 90_000);
});
