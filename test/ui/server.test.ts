// The UI server without a cluster: the page and its bundled script are served, and a context that
// cannot be read is reported to the page by name instead of failing the server.
import { KubeConfig } from '@kubernetes/client-node';
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { UiServer, type FleetSnapshot } from '../../src/ui/index.ts';

function unreachable(): KubeConfig {
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromOptions({
    clusters: [{ name: 'gone', server: 'https://127.0.0.1:1', skipTLSVerify: true }],
    users: [{ name: 'u', token: 't' }],
    contexts: [{ name: 'gone', cluster: 'gone', user: 'u' }],
    currentContext: 'gone',
  });
  return kubeConfig;
}

describe('UiServer', () => {
  const server = new UiServer({ contexts: [{ name: 'gone', kubeConfig: unreachable() }], log: pino({ level: 'silent' }) });
  afterAll(() => server.close());

  it('serves the page, the bundled script, and names the context it could not read', async () => {
    const url = await server.listen(0);
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    const page = await fetch(url);
    expect(await page.text()).toContain('<script type="module" src="/app.js">');
    const script = await fetch(new URL('/app.js', url));
    expect(script.headers.get('content-type')).toContain('javascript');
    expect((await script.text()).length).toBeGreaterThan(1000);
    let snapshot: FleetSnapshot = { rows: [], errors: {} };
    for (let i = 0; i < 100 && !snapshot.errors.gone; i++) {
      snapshot = (await (await fetch(new URL('/api/fleet', url))).json()) as FleetSnapshot;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(snapshot.errors.gone).toMatch(/ECONNREFUSED|connect/i);
    const action = await fetch(new URL('/api/nope/Sync/default/x/reconcile', url), { method: 'POST' });
    expect(action.status).toBe(404);
  }, 30_000);
});

describe('UiServer for the agent (read-only, behind a token)', () => {
  const token = 'ui-token-5d1e0b';
  const server = new UiServer({ contexts: [{ name: 'gone', kubeConfig: unreachable() }], log: pino({ level: 'silent' }), readOnly: true, token });
  afterAll(() => server.close());

  it('asks for the token, takes it as a bearer header or from the login form, and refuses actions', async () => {
    const url = await server.listen(0);
    const page = await fetch(url);
    expect(page.status).toBe(401);
    expect(await page.text()).toContain('<form method="post" action="/login">');
    expect((await fetch(new URL('/api/fleet', url))).status).toBe(401);
    expect((await fetch(new URL('/api/fleet', url), { headers: { authorization: 'Bearer wrong' } })).status).toBe(401);
    expect((await fetch(new URL('/api/fleet', url), { headers: { authorization: `Bearer ${token}` } })).status).toBe(200);

    const wrong = await fetch(new URL('/login', url), { method: 'POST', body: new URLSearchParams({ token: 'nope' }), redirect: 'manual' });
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get('set-cookie')).toBeNull();
    const login = await fetch(new URL('/login', url), { method: 'POST', body: new URLSearchParams({ token }), redirect: 'manual' });
    expect(login.status).toBe(303);
    const cookie = login.headers.get('set-cookie') ?? '';
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Strict/);
    const signedIn = await fetch(url, { headers: { cookie: cookie.split(';')[0] ?? '' } });
    expect(signedIn.status).toBe(200);
    expect(await signedIn.text()).toContain('data-read-only="true"');

    const action = await fetch(new URL('/api/gone/Sync/default/x/reconcile', url), { method: 'POST', headers: { authorization: `Bearer ${token}` } });
    expect(action.status).toBe(405);
    expect(((await action.json()) as { message: string }).message).toMatch(/read-only/);
  }, 30_000);
});
