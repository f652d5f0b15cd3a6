/**
 * The /hook receiver: rate limit, body cap, authentication (webhook-auth.ts), replay guard
 * (replay-guard.ts), then the Syncs to reconcile: the one named by `/hook/<namespace>/<name>`, or
 * those whose `url` is the repository of the push event. A delivery the agent-wide secrets do
 * not verify may still be verified by the `spec.webhook.secretRef` of a Sync it names; then only
 * the Syncs whose own secret verified it are reconciled, so one team's secret moves no other
 * team's Syncs.
 */
import type http from 'node:http';
import type { Logger } from 'pino';
import type { Sync } from '../api/index.ts';
import type { SyncController } from '../reconciler/index.ts';
import { authenticateWebhook, type WebhookAuthOptions, type WebhookAuthResult } from './webhook-auth.ts';
import { ReplayGuard } from './replay-guard.ts';
import { pushUrls } from './push-urls.ts';

/** Largest /hook body read; forges' push events are a few KB to a few hundred. */
export const HOOK_BODY_LIMIT_BYTES = 1024 * 1024;

export interface HookReceiverProps {
  /** The controller while leading. */
  readonly controller: () => SyncController | undefined;
  readonly auth: WebhookAuthOptions;
  /** Reads a Secret (a Sync's spec.webhook.secretRef) as the agent. */
  readonly readSecret: (namespace: string, name: string) => Promise<{ readonly data?: Readonly<Record<string, string>> } | undefined>;
  readonly log: Logger;
  /** Most requests a second (twice as many in a burst). @default 10 */
  readonly ratePerSecond?: number;
  /** @default 600000 */
  readonly replayWindowMs?: number;
}

export type HookReceiver = (request: http.IncomingMessage, response: http.ServerResponse, url: URL) => Promise<void>;

export function hookReceiver(props: HookReceiverProps): HookReceiver {
  const bucket = new TokenBucket(props.ratePerSecond ?? 10);
  const replays = new ReplayGuard(props.replayWindowMs === undefined ? {} : { windowMs: props.replayWindowMs });
  const { log } = props;
  const json = (response: http.ServerResponse, status: number, body: unknown): void => void response.writeHead(status, { 'Content-Type': 'application/json' }).end(`${JSON.stringify(body)}\n`);

  return async (request, response, url) => {
    if (request.method !== 'POST') {
      response.writeHead(405, { Allow: 'POST' }).end();
      return;
    }
    if (!bucket.take()) {
      response.writeHead(429, { 'Retry-After': '1' }).end('too many requests\n');
      return;
    }
    const length = Number(request.headers['content-length'] ?? 0);
    const body = length > HOOK_BODY_LIMIT_BYTES ? undefined : await readBody(request, HOOK_BODY_LIMIT_BYTES);
    if (body === undefined) {
      response.writeHead(413, { Connection: 'close' }).end(`body over ${HOOK_BODY_LIMIT_BYTES} bytes\n`, () => request.destroy());
      return;
    }
    const controller = props.controller();
    const parts = url.pathname.split('/').filter(Boolean);
    const named = parts.length === 3 ? `${decodeURIComponent(parts[1] ?? '')}/${decodeURIComponent(parts[2] ?? '')}` : undefined;
    const candidates = (): Sync[] => {
      if (!controller) return [];
      if (named !== undefined) return controller.syncsOfKeys([named]);
      return [...new Map(pushUrls(body.toString('utf8')).flatMap((candidate) => controller.syncsOfUrl(candidate)).map((sync) => [keyOf(sync), sync])).values()];
    };

    let auth: WebhookAuthResult = authenticateWebhook(request.headers, body, props.auth);
    // Only these Syncs, when their own secrets (and not the agent's) verified the delivery.
    let only: Set<string> | undefined;
    if (!auth.ok && !props.auth.allowUnauthenticated) {
      const verifiedBy = await perSyncAuth(request.headers, body, candidates());
      if (verifiedBy) ({ auth, only } = verifiedBy);
    }
    if (!auth.ok) {
      log.warn({ event: 'webhook-refused', path: url.pathname, remote: request.socket.remoteAddress, reason: auth.reason }, `webhook refused: ${auth.reason}`);
      json(response, 401, { error: auth.reason });
      return;
    }
    if (!controller) {
      json(response, 503, { error: 'not the leader' });
      return;
    }
    // Remembered only once accepted here, so a follower's 503 does not make the retry a replay.
    const replayed = replays.check(auth.replayKeys);
    if (replayed !== undefined) {
      log.info({ event: 'webhook-replayed', path: url.pathname, scheme: auth.scheme, key: replayed.slice(0, 80) }, 'webhook dropped: delivery seen before');
      json(response, 200, { triggered: [], duplicate: true });
      return;
    }
    const event = request.headers['x-github-event'] ?? request.headers['x-gitea-event'] ?? request.headers['x-event-key'];
    if (event === 'ping' || event === 'diagnostics:ping') {
      json(response, 200, { triggered: [] });
      return;
    }
    const triggered = candidates()
      .map(keyOf)
      .filter((key) => (only ? only.has(key) : true))
      .filter((key) => controller.trigger(key, 'webhook'))
      .sort();
    log.info({ event: 'webhook', path: url.pathname, scheme: auth.scheme, triggered, ...(only ? { secret: 'spec.webhook' } : {}) }, `webhook triggered ${triggered.length} Sync(s)`);
    json(response, triggered.length > 0 ? 202 : 404, { triggered });
  };

  /** Verifies the delivery with the `spec.webhook` secrets of the Syncs it names; the Syncs it verified for. */
  async function perSyncAuth(headers: http.IncomingHttpHeaders, body: Buffer, syncs: readonly Sync[]): Promise<{ auth: WebhookAuthResult & { ok: true }; only: Set<string> } | undefined> {
    const only = new Set<string>();
    let first: (WebhookAuthResult & { ok: true }) | undefined;
    for (const sync of syncs) {
      const ref = sync.spec.webhook?.secretRef;
      if (!ref) continue;
      const namespace = sync.metadata.namespace ?? 'default';
      const secret = await props.readSecret(namespace, ref.name).catch(() => undefined);
      const value = secret?.data?.secret;
      if (value === undefined) {
        log.warn({ event: 'webhook-secret-missing', sync: keyOf(sync), secret: `${namespace}/${ref.name}` }, `Secret ${namespace}/${ref.name} (spec.webhook.secretRef) has no "secret" key or cannot be read`);
        continue;
      }
      const secrets = Buffer.from(value, 'base64').toString('utf8').split(/\r?\n/).map((line) => line.trim()).filter((line) => line !== '');
      const result = authenticateWebhook(headers, body, { secrets });
      if (!result.ok) continue;
      first ??= result;
      only.add(keyOf(sync));
    }
    return first ? { auth: first, only } : undefined;
  }
}

const keyOf = (sync: Sync): string => `${sync.metadata.namespace ?? 'default'}/${sync.metadata.name}`;

/** A token bucket: `rate` tokens a second, holding at most twice that. */
class TokenBucket {
  private tokens: number;
  private last = performance.now();
  constructor(private readonly rate: number) {
    this.tokens = rate * 2;
  }
  take(): boolean {
    const now = performance.now();
    this.tokens = Math.min(this.rate * 2, this.tokens + ((now - this.last) / 1000) * this.rate);
    this.last = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}

/** The body, or undefined when it passes `limit` (reading stops there). */
function readBody(request: http.IncomingMessage, limit: number): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    let size = 0;
    const chunks: Buffer[] = [];
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size <= limit) {
        chunks.push(chunk);
        return;
      }
      request.off('data', onData);
      request.pause();
      resolve(undefined);
    };
    request.on('data', onData);
    request.on('end', () => resolve(Buffer.concat(chunks)));
    request.on('error', reject);
  });
}
