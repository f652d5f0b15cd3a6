// The engine's client when the API server refuses a request for now (429, or a 5xx, with
// Retry-After), as API Priority and Fairness does beyond a flow's share. A local HTTP server
// plays that part, in addition to the real-server tests of client.test.ts: a real kube-apiserver
// cannot be made to refuse on demand.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { KubeApiError, KubeClient } from '../../src/kube/client.ts';

/** What the server answers, one entry per request, then 200. */
let script: { status: number; retryAfter?: string }[] = [];
let seen = 0;
let server: http.Server;
let kubeConfig: KubeConfig;

beforeAll(async () => {
  server = http.createServer((request, response) => {
    request.resume();
    request.on('end', () => {
      const step = script[seen];
      seen += 1;
      if (!step) {
        response.writeHead(200, { 'Content-Type': 'application/json' });
        response.end(JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: 'n' } }));
        return;
      }
      response.writeHead(step.status, { 'Content-Type': 'application/json', ...(step.retryAfter === undefined ? {} : { 'Retry-After': step.retryAfter }) });
      response.end(JSON.stringify({ kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'TooManyRequests', message: 'too many requests, please try again later', code: step.status }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  kubeConfig = new KubeConfig();
  // client-node refuses a plain-HTTP server unless TLS verification is off; there is no TLS here.
  kubeConfig.loadFromOptions({
    clusters: [{ name: 'local', server: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, skipTLSVerify: true }],
    users: [{ name: 'u', token: 't' }],
    contexts: [{ name: 'local', cluster: 'local', user: 'u' }],
    currentContext: 'local',
  });
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
beforeEach(() => {
  script = [];
  seen = 0;
});

describe('KubeClient retries', () => {
  it('sends a request refused with 429 and Retry-After again, and counts every attempt', async () => {
    const client = await KubeClient.fromKubeConfig(kubeConfig);
    script = [{ status: 429, retryAfter: '0' }, { status: 503, retryAfter: '0' }];
    const answer = await client.request<{ metadata: { name: string } }>('GET', '/api/v1/namespaces/n/configmaps/c');
    expect(answer.metadata.name).toBe('c');
    expect(seen).toBe(3);
    expect(client.stats.requests).toBe(3);
    client.close();
  });

  it('waits as long as Retry-After says', async () => {
    const client = await KubeClient.fromKubeConfig(kubeConfig);
    script = [{ status: 429, retryAfter: '1' }];
    const started = Date.now();
    await client.request('GET', '/api/v1/namespaces/n/configmaps/c');
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    expect(seen).toBe(2);
    client.close();
  });

  it('does not retry without Retry-After, and gives up after maxRetries', async () => {
    const client = await KubeClient.fromKubeConfig(kubeConfig, { maxRetries: 2 });
    script = [{ status: 429 }];
    const refused = await client.request('GET', '/api/v1/namespaces/n/configmaps/c').catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(KubeApiError);
    expect((refused as KubeApiError).status).toBe(429);
    expect(seen).toBe(1);

    seen = 0;
    script = [{ status: 429, retryAfter: '0' }, { status: 429, retryAfter: '0' }, { status: 429, retryAfter: '0' }];
    const exhausted = await client.request('GET', '/api/v1/namespaces/n/configmaps/c').catch((error: unknown) => error);
    expect((exhausted as KubeApiError).status).toBe(429);
    expect(seen).toBe(3);
    client.close();
  });

  it('stops waiting when aborted', async () => {
    const client = await KubeClient.fromKubeConfig(kubeConfig);
    script = [{ status: 429, retryAfter: '30' }];
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error('stopped')), 50);
    const started = Date.now();
    const error = await client.request('GET', '/api/v1/namespaces/n/configmaps/c', undefined, { signal: controller.signal }).catch((caught: unknown) => caught);
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(error).toBeInstanceOf(Error);
    expect(seen).toBe(1);
    client.close();
  });
});
