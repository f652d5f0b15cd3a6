// Each provider's request against recording servers on 127.0.0.1, and delivery: retried on 429
// and 5xx honouring Retry-After, delivered once, never retried on other 4xx.
import { createHmac } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { PROVIDERS, repositoryPath } from '../../src/reconciler/notification-providers.ts';
import { deliver, retryAfterMs } from '../../src/reconciler/deliver.ts';
import type { Notification } from '../../src/reconciler/notification.ts';
import type { NotificationRule } from '../../src/api/index.ts';
import { startRecorder, type Recorder } from './_recorder.ts';

const TOKEN = 'tok-9c2e41aa77d0';
const SOURCE = 'a'.repeat(40);
const failed: Notification = {
  id: '0123456789abcdef0123456789abcdef',
  event: 'failed',
  sync: 'team-a/app',
  revision: `main@sha1:${'b'.repeat(40)}`,
  reason: 'BuildFailed',
  message: 'deploy/a.yaml: invalid YAML',
  severity: 'error',
  timestamp: '2026-12-07T16:00:00.000Z',
};
const applied: Notification = { ...failed, event: 'revision-applied', reason: 'ReconciliationSucceeded', message: 'Applied revision', severity: 'info', objects: ['ConfigMap/team-a/a configured'] };

let recorders: Recorder[] = [];
afterEach(async () => {
  await Promise.all(recorders.map((recorder) => recorder.close()));
  recorders = [];
});
const recorder = async (...script: Parameters<typeof startRecorder>[0][]) => {
  const started = await startRecorder(script[0]);
  recorders.push(started);
  return started;
};
const build = (notification: Notification, rule: NotificationRule, input: { address?: string; token?: string; commit?: string }) => {
  const request = PROVIDERS[rule.type](notification, { rule, syncUrl: 'https://git.example/platform/fleet.git', ...input });
  if (typeof request === 'string') throw new Error(request);
  return request;
};

describe('providers', () => {
  it('generic: the notification as JSON, its HMAC in X-Signature, the id in X-Strata-Delivery', async () => {
    const receiver = await recorder();
    const request = build(failed, { type: 'generic', secretRef: { name: 's' } }, { address: `${receiver.url}/in`, token: TOKEN });
    expect((await deliver(request)).delivered).toBe(true);
    const [got] = receiver.requests;
    expect(JSON.parse(got!.body)).toEqual(failed);
    expect(got!.headers['x-signature']).toBe(`sha256=${createHmac('sha256', TOKEN).update(got!.body).digest('hex')}`);
    expect(got!.headers['x-strata-delivery']).toBe(failed.id);
    expect(got!.body).not.toContain(TOKEN);
  });

  it('slack and teams: a message each reads', () => {
    const slack = JSON.parse(build(failed, { type: 'slack', secretRef: { name: 's' } }, { address: 'http://127.0.0.1:1/services/T/B/x' }).body);
    expect(slack.text).toBe(':red_circle: Sync team-a/app is not Ready: BuildFailed');
    expect(slack.attachments[0]).toMatchObject({ color: 'danger', text: failed.message });
    const teams = JSON.parse(build(applied, { type: 'teams', secretRef: { name: 's' } }, { address: 'http://127.0.0.1:1/workflows/x' }).body);
    expect(teams.attachments[0].contentType).toBe('application/vnd.microsoft.card.adaptive');
    expect(teams.attachments[0].content.body[0].text).toBe('Sync team-a/app applied a revision');
    expect(teams.attachments[0].content.body[2].facts).toContainEqual({ title: 'Objects', value: 'ConfigMap/team-a/a configured' });
  });

  it('commit status on GitHub, GitLab and Gitea: the source commit, the Sync as context, the token as each forge takes it', async () => {
    const forge = await recorder();
    const rule = (type: 'github' | 'gitlab' | 'gitea'): NotificationRule => ({ type, secretRef: { name: 's' }, address: forge.url, repository: 'team-a/app' });
    for (const type of ['github', 'gitlab', 'gitea'] as const) {
      expect(await deliver(build(applied, rule(type), { token: TOKEN, commit: SOURCE }))).toMatchObject({ delivered: true });
      expect((await deliver(build(failed, rule(type), { token: TOKEN, commit: SOURCE }))).delivered).toBe(true);
    }
    const seen = forge.requests.map((request) => ({ path: request.path, auth: request.headers.authorization ?? request.headers['private-token'], body: JSON.parse(request.body) }));
    expect(seen).toEqual([
      { path: `/repos/team-a/app/statuses/${SOURCE}`, auth: `Bearer ${TOKEN}`, body: { state: 'success', context: 'strata/team-a/app', description: 'ReconciliationSucceeded: Applied revision' } },
      { path: `/repos/team-a/app/statuses/${SOURCE}`, auth: `Bearer ${TOKEN}`, body: { state: 'failure', context: 'strata/team-a/app', description: 'BuildFailed: deploy/a.yaml: invalid YAML' } },
      { path: `/api/v4/projects/team-a%2Fapp/statuses/${SOURCE}`, auth: TOKEN, body: { state: 'success', name: 'strata/team-a/app', description: 'ReconciliationSucceeded: Applied revision' } },
      { path: `/api/v4/projects/team-a%2Fapp/statuses/${SOURCE}`, auth: TOKEN, body: { state: 'failed', name: 'strata/team-a/app', description: 'BuildFailed: deploy/a.yaml: invalid YAML' } },
      { path: `/api/v1/repos/team-a/app/statuses/${SOURCE}`, auth: `token ${TOKEN}`, body: { state: 'success', context: 'strata/team-a/app', description: 'ReconciliationSucceeded: Applied revision' } },
      { path: `/api/v1/repos/team-a/app/statuses/${SOURCE}`, auth: `token ${TOKEN}`, body: { state: 'failure', context: 'strata/team-a/app', description: 'BuildFailed: deploy/a.yaml: invalid YAML' } },
    ]);
    for (const request of forge.requests) expect(request.body).not.toContain(TOKEN);
  });

  it('says why it cannot send, naming no credential', () => {
    const rule: NotificationRule = { type: 'github', secretRef: { name: 's' } };
    expect(PROVIDERS.github(applied, { rule, syncUrl: 'https://github.com/o/r.git', commit: SOURCE })).toBe('no token (the Secret\'s "token")');
    expect(PROVIDERS.github({ ...applied, event: 'drift-corrected' }, { rule, syncUrl: 'x', token: TOKEN, commit: SOURCE })).toBe('no commit status for drift-corrected');
    expect(PROVIDERS.slack(failed, { rule: { type: 'slack', secretRef: { name: 's' } }, syncUrl: 'x' })).toContain('no address');
    const defaulted = PROVIDERS.github(applied, { rule, syncUrl: 'git@github.com:o/r.git', token: TOKEN, commit: SOURCE });
    expect(typeof defaulted === 'object' && defaulted.url).toBe(`https://api.github.com/repos/o/r/statuses/${SOURCE}`);
  });

  it('repositoryPath reads owner/repo from the Git URL forms', () => {
    expect(repositoryPath('https://github.com/o/r.git')).toBe('o/r');
    expect(repositoryPath('git@gitlab.com:group/sub/project.git')).toBe('group/sub/project');
    expect(repositoryPath('ssh://git@gitea.example:2222/o/r')).toBe('o/r');
  });
});

describe('deliver', () => {
  it('a 429 with Retry-After, then 200: waits, and the receiver takes it exactly once', async () => {
    const receiver = await recorder([{ status: 429, headers: { 'Retry-After': '1' } }]);
    const result = await deliver({ url: `${receiver.url}/in`, headers: { 'Content-Type': 'application/json' }, body: '{"n":1}' }, { backoffMs: 10 });
    expect(result).toEqual({ delivered: true, attempts: 2, status: 200 });
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(receiver.requests.map((request) => request.status)).toEqual([429, 200]);
    expect(receiver.accepted()).toHaveLength(1);
  });

  it('retries 5xx with backoff, gives up after the attempts, never retries another 4xx', async () => {
    const flaky = await recorder([{ status: 502 }, { status: 503 }]);
    expect(await deliver({ url: flaky.url, headers: {}, body: '' }, { backoffMs: 5 })).toMatchObject({ delivered: true, attempts: 3 });
    const down = await recorder(Array.from({ length: 5 }, () => ({ status: 500 })));
    expect(await deliver({ url: down.url, headers: {}, body: '' }, { attempts: 2, backoffMs: 5 })).toEqual({ delivered: false, attempts: 2, status: 500, error: 'HTTP 500' });
    const gone = await recorder([{ status: 404 }]);
    expect(await deliver({ url: gone.url, headers: {}, body: '' }, { backoffMs: 5 })).toEqual({ delivered: false, attempts: 1, status: 404, error: 'HTTP 404' });
    expect(gone.requests).toHaveLength(1);
  });

  it('reads Retry-After as seconds or an HTTP date', () => {
    expect(retryAfterMs('3')).toBe(3000);
    expect(retryAfterMs('Mon, 07 Dec 2026 16:00:10 GMT', Date.parse('2026-12-07T16:00:00Z'))).toBe(10_000);
    expect(retryAfterMs('soon')).toBeUndefined();
    expect(retryAfterMs(null)).toBeUndefined();
  });
});
