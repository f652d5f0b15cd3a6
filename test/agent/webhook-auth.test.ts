// The webhook schemes of each forge, signed as the forges sign them, and the replay window.
import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { authenticateWebhook } from '../../src/agent/webhook-auth.ts';
import { ReplayGuard } from '../../src/agent/replay-guard.ts';

const SECRET = 'forge-secret-7d1c';
const body = Buffer.from(JSON.stringify({ ref: 'refs/heads/main', repository: { clone_url: 'https://git.example/o/r.git' } }));
const hex = (algorithm: string, secret = SECRET, payload = body) => createHmac(algorithm, secret).update(payload).digest('hex');
const options = { secrets: ['old-secret', SECRET], tokens: ['bearer-token-1'] };

describe('authenticateWebhook', () => {
  it('accepts each forge signed with a configured secret (any of them, for rotation)', () => {
    const cases: [string, Record<string, string>][] = [
      ['github', { 'x-hub-signature-256': `sha256=${hex('sha256')}`, 'x-github-delivery': 'd-1' }],
      ['gitlab', { 'x-gitlab-token': SECRET, 'x-gitlab-event-uuid': 'u-1' }],
      ['gitea', { 'x-gitea-signature': hex('sha256'), 'x-gitea-delivery': 'g-1' }],
      ['gitea', { 'x-forgejo-signature': hex('sha256') }],
      ['bitbucket', { 'x-hub-signature': `sha256=${hex('sha256')}`, 'x-request-id': 'b-1' }],
      ['bitbucket', { 'x-hub-signature': `sha1=${hex('sha1')}` }],
      ['hmac', { 'x-signature': `sha512=${hex('sha512')}` }],
      ['bearer', { authorization: 'Bearer bearer-token-1' }],
    ];
    for (const [scheme, headers] of cases) expect(authenticateWebhook(headers, body, options), JSON.stringify(headers)).toMatchObject({ ok: true, scheme });
  });

  it('refuses unsigned, wrongly signed and tampered deliveries, naming why', () => {
    expect(authenticateWebhook({}, body, options)).toEqual({ ok: false, reason: 'the delivery carries no signature or token' });
    const wrong = authenticateWebhook({ 'x-hub-signature-256': `sha256=${hex('sha256', 'not-the-secret')}` }, body, options);
    expect(wrong).toEqual({ ok: false, reason: 'the github signature matches no configured secret' });
    const tampered = Buffer.from(body.toString().replace('main', 'evil'));
    expect(authenticateWebhook({ 'x-hub-signature-256': `sha256=${hex('sha256')}` }, tampered, options).ok).toBe(false);
    expect(authenticateWebhook({ 'x-gitlab-token': 'nope' }, body, options).ok).toBe(false);
    expect(authenticateWebhook({ 'x-hub-signature-256': `sha1=${hex('sha1')}` }, body, options).ok).toBe(false); // GitHub's header is SHA-256 only
    expect(authenticateWebhook({ 'x-hub-signature-256': 'sha256=zz' }, body, options).ok).toBe(false);
    expect(authenticateWebhook({ authorization: 'Bearer bearer-token-2' }, body, options)).toEqual({ ok: false, reason: 'the bearer token matches no configured secret' });
    // A secret is not a bearer token, and a token does not sign.
    expect(authenticateWebhook({ authorization: `Bearer ${SECRET}` }, body, options).ok).toBe(false);
    expect(authenticateWebhook({ 'x-gitlab-token': 'bearer-token-1' }, body, options).ok).toBe(false);
  });

  it('refuses everything when nothing is configured, unless authentication is turned off', () => {
    const headers = { 'x-hub-signature-256': `sha256=${hex('sha256')}` };
    expect(authenticateWebhook({}, body, {})).toMatchObject({ ok: false, reason: expect.stringContaining("a Sync's spec.webhook; --no-webhook-auth") });
    expect(authenticateWebhook(headers, body, {}).ok).toBe(false);
    expect(authenticateWebhook({}, body, { allowUnauthenticated: true })).toMatchObject({ ok: true, scheme: 'none' });
  });

  it('names the delivery id and the signature as replay keys', () => {
    const result = authenticateWebhook({ 'x-hub-signature-256': `sha256=${hex('sha256')}`, 'x-github-delivery': 'd-1' }, body, options);
    expect(result.ok && result.replayKeys).toEqual(['id:x-github-delivery:d-1', `sig:sha256=${hex('sha256')}`]);
    const bearer = authenticateWebhook({ authorization: 'Bearer bearer-token-1' }, body, options);
    expect(bearer.ok && bearer.replayKeys).toEqual([]);
  });
});

describe('ReplayGuard', () => {
  it('drops a key seen within the window, forgets it after, and keeps at most capacity keys', () => {
    let now = 0;
    const guard = new ReplayGuard({ windowMs: 1000, capacity: 3, now: () => now });
    expect(guard.check(['id:a', 'sig:1'])).toBeUndefined();
    expect(guard.check(['id:b', 'sig:1'])).toBe('sig:1'); // same signed body under a new id
    expect(guard.check(['id:a'])).toBe('id:a');
    expect(guard.check([])).toBeUndefined();
    now = 1500;
    expect(guard.check(['id:a'])).toBeUndefined();
    guard.check(['id:c']);
    guard.check(['id:d']);
    guard.check(['id:e']);
    expect(guard.check(['id:a'])).toBeUndefined(); // pushed out by capacity
  });
});
