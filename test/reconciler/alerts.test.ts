import http from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { AlertSender, alertPayload, type AlertEvent } from '../../src/reconciler/alerts.ts';
import { eventNote } from '../../src/kube/events.ts';
import { AgentMetrics } from '../../src/reconciler/metrics.ts';

const event: AlertEvent = {
  sync: 'team-a/app',
  revision: 'main@sha1:0123456789abcdef0123456789abcdef01234567',
  reason: 'ArtifactFailed',
  message: 'fetch failed: connection refused',
  severity: 'error',
  timestamp: '2026-01-01T00:00:00.000Z',
};

describe('alert payloads', () => {
  it('plain JSON carries sync, revision, reason and message', () => {
    expect(alertPayload(event, 'json')).toEqual(event);
  });
  it('Slack payloads have text and an attachment', () => {
    const slack = alertPayload(event, 'slack') as { text: string; attachments: { color: string; fields: { title: string; value: string }[] }[] };
    expect(slack.text).toContain('Sync team-a/app is not Ready: ArtifactFailed');
    expect(slack.attachments[0]?.color).toBe('danger');
    expect(slack.attachments[0]?.fields.find((field) => field.title === 'Revision')?.value).toBe(event.revision);
  });
});

describe('AlertSender', () => {
  let server: http.Server | undefined;
  afterEach(() => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())));

  const listen = (handler: http.RequestListener): Promise<string> =>
    new Promise((resolve) => {
      server = http.createServer(handler);
      server.listen(0, '127.0.0.1', () => {
        const address = server?.address();
        resolve(`http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/hooks/T000/secret-token`);
      });
    });

  it('retries on 5xx and delivers the JSON body', async () => {
    const bodies: unknown[] = [];
    let calls = 0;
    const url = await listen((request, response) => {
      let body = '';
      request.on('data', (chunk) => (body += chunk));
      request.on('end', () => {
        calls += 1;
        bodies.push(JSON.parse(body));
        response.writeHead(calls < 3 ? 503 : 200).end();
      });
    });
    const [delivery] = await new AlertSender([{ url }], { backoffMs: 10 }).send(event);
    expect(delivery).toMatchObject({ delivered: true, attempts: 3 });
    expect(delivery?.url).not.toContain('secret-token');
    expect(bodies[2]).toEqual(event);
  });

  it('gives up after the attempts and reports the error', async () => {
    const url = await listen((_request, response) => response.writeHead(500).end());
    const [delivery] = await new AlertSender([{ url }], { attempts: 2, backoffMs: 5 }).send(event);
    expect(delivery).toMatchObject({ delivered: false, attempts: 2, error: 'HTTP 500' });
  });
});

describe('events and metrics', () => {
  it('event notes are one line per object and at most 1 KiB', () => {
    const lines = Array.from({ length: 200 }, (_, index) => `ConfigMap/default/config-${index} configured`);
    const note = eventNote(lines);
    expect(note.length).toBeLessThanOrEqual(1024);
    expect(note.split('\n')[0]).toBe('ConfigMap/default/config-0 configured');
    expect(note).toMatch(/… and \d+ more$/);
    expect(eventNote(['a created', 'b deleted'])).toBe('a created\nb deleted');
  });

  it('event notes are cut by UTF-8 bytes, at a character boundary, to at most 1024', () => {
    for (const line of ['x'.repeat(5000), 'é'.repeat(3000), '€'.repeat(2000), '😀'.repeat(1000), `a${'€'.repeat(700)}`]) {
      for (const lines of [[line], [line, 'second'], ['first', line, 'third']]) {
        const note = eventNote(lines);
        expect(Buffer.byteLength(note, 'utf8'), note.slice(0, 20)).toBeLessThanOrEqual(1024);
        expect(note).not.toContain('\ufffd');
        expect(note.startsWith(lines[0]?.slice(0, 1) ?? '')).toBe(true);
      }
    }
    expect(eventNote(['€'.repeat(2000)])).toBe(`${'€'.repeat(340)}…`);
    expect(eventNote(['€'.repeat(2000), 'b'])).toBe(`${'€'.repeat(335)}…\n… and 1 more`);
  });

  it('metrics are exposed in the Prometheus text format', async () => {
    const metrics = new AgentMetrics({ defaultMetrics: false });
    metrics.reconcileDuration.observe({ namespace: 'a', name: 'b', result: 'success' }, 0.3);
    metrics.reconcileTotal.inc({ namespace: 'a', name: 'b', reason: 'ReconciliationSucceeded' });
    metrics.objectsApplied.inc({ namespace: 'a', name: 'b', action: 'created' }, 4);
    metrics.objectsPruned.inc({ namespace: 'a', name: 'b' });
    metrics.driftCorrections.inc({ namespace: 'a', name: 'b' });
    metrics.setReady('a', 'b', 'True');
    const text = await metrics.text();
    expect(text).toContain('strata_reconcile_duration_seconds_bucket{le="0.5",namespace="a",name="b",result="success"} 1');
    expect(text).toContain('strata_reconcile_total{namespace="a",name="b",reason="ReconciliationSucceeded"} 1');
    expect(text).toContain('strata_objects_applied_total{namespace="a",name="b",action="created"} 4');
    expect(text).toContain('strata_objects_pruned_total{namespace="a",name="b"} 1');
    expect(text).toContain('strata_drift_corrections_total{namespace="a",name="b"} 1');
    expect(text).toContain('strata_sync_ready{namespace="a",name="b"} 1');
  });
});
