/** @internal HTTP plumbing of the engine's client. */
import type http from 'node:http';
import type https from 'node:https';
import type { RequestStats } from './client.ts';

/** Counts a request in the shared stats: reads, dry-runs, writes. */
export function countRequest(stats: RequestStats, method: string, dryRun: boolean): void {
  stats.requests += 1;
  stats.byMethod[method] = (stats.byMethod[method] ?? 0) + 1;
  if (method === 'GET') return;
  if (dryRun) stats.dryRuns += 1;
  else stats.writes += 1;
}

/** The auth headers a KubeConfig put on request options (token, basic auth). */
export function headersOf(tls: https.RequestOptions): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [key, value] of Object.entries(tls.headers ?? {})) {
    if (typeof value === 'string' || typeof value === 'number') headers[key] = String(value);
  }
  if (tls.auth) headers.Authorization = `Basic ${Buffer.from(tls.auth).toString('base64')}`;
  return headers;
}

/** The whole body of a response as text. */
export function readAll(response: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    response.on('data', (chunk: Buffer) => chunks.push(chunk));
    response.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    response.on('error', reject);
  });
}

/**
 * How long to wait before sending a refused request again: the `Retry-After` seconds of a 429
 * or 5xx answer (client-go's rule: without the header, no retry), at most 60 s.
 */
export function retryAfterMs(response: http.IncomingMessage): number | undefined {
  const status = response.statusCode ?? 0;
  if (status !== 429 && (status < 500 || status > 599)) return undefined;
  const header = response.headers['retry-after'];
  if (header === undefined || !/^\d+$/.test(header.trim())) return undefined;
  return Math.min(Number(header.trim()), 60) * 1000;
}
