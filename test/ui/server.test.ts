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
