/**
 * Who sent a /hook delivery: the schemes forges sign or authenticate their webhooks with, each
 * checked in constant time. A delivery passes when any configured secret or token verifies one
 * scheme it carries; the result names the scheme and the delivery's replay key.
 *
 * | forge | header | check |
 * | --- | --- | --- |
 * | GitHub | `X-Hub-Signature-256: sha256=<hex>` | HMAC-SHA256 of the body |
 * | GitLab | `X-Gitlab-Token: <secret>` | the secret itself |
 * | Gitea, Forgejo | `X-Gitea-Signature` / `X-Forgejo-Signature: <hex>` | HMAC-SHA256 of the body |
 * | Bitbucket Server | `X-Hub-Signature: sha256=<hex>` (GitHub's old `sha1=` too) | HMAC of the body |
 * | generic | `X-Signature: sha1\|sha256\|sha512=<hex>` | HMAC of the body |
 * | any caller | `Authorization: Bearer <token>` | a `--webhook-token-file` token |
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

/** The closed set of ways a delivery can be authenticated. */
export type WebhookScheme = 'github' | 'gitlab' | 'gitea' | 'bitbucket' | 'hmac' | 'bearer' | 'none';

export interface WebhookAuthOptions {
  /** HMAC secrets (and GitLab tokens); any one verifies. @default none */
  readonly secrets?: readonly string[];
  /** Bearer tokens; any one verifies. @default none */
  readonly tokens?: readonly string[];
  /** Accept deliveries nothing authenticates (the operator turned authentication off). @default false */
  readonly allowUnauthenticated?: boolean;
}

export type WebhookAuthResult =
  | {
      readonly ok: true;
      readonly scheme: WebhookScheme;
      /**
       * What identifies this delivery for replay detection: the forge's delivery id and the
       * signature (a replayed body carries the same one even under a new id); empty for a
       * bearer call without an id.
       */
      readonly replayKeys: readonly string[];
    }
  | { readonly ok: false; readonly reason: string };

/** Headers forges put a per-delivery id in (a redelivery keeps it). */
const DELIVERY_HEADERS = ['x-github-delivery', 'x-gitea-delivery', 'x-forgejo-delivery', 'x-gitlab-event-uuid', 'x-gitlab-webhook-uuid', 'x-request-id', 'x-delivery-id'] as const;

const HMAC_ALGORITHMS: Readonly<Record<string, string>> = { sha1: 'sha1', sha256: 'sha256', sha512: 'sha512' };

/** Checks a delivery's headers (and, for signatures, its raw body) against the configured secrets. */
export function authenticateWebhook(headers: IncomingHttpHeaders, body: Buffer, options: WebhookAuthOptions): WebhookAuthResult {
  const secrets = options.secrets ?? [];
  const tokens = options.tokens ?? [];
  const deliveryId = firstHeader(headers, DELIVERY_HEADERS);
  const accepted = (scheme: WebhookScheme, signature?: string): WebhookAuthResult => {
    const replayKeys = [...(deliveryId ? [`id:${deliveryId}`] : []), ...(signature ? [`sig:${signature.trim().toLowerCase()}`] : [])];
    return { ok: true, scheme, replayKeys };
  };

  const attempts: { scheme: WebhookScheme; header: string; check: (secret: string) => boolean }[] = [];
  const prefixed = (scheme: WebhookScheme, name: string, allowed: readonly string[]): void => {
    const value = header(headers, name);
    if (value === undefined) return;
    const match = /^(sha1|sha256|sha512)=([0-9a-f]+)$/i.exec(value.trim());
    const algorithm = match ? HMAC_ALGORITHMS[match[1]!.toLowerCase()] : undefined;
    attempts.push({ scheme, header: value, check: (secret) => algorithm !== undefined && allowed.includes(algorithm) && hexEqual(hmac(algorithm, secret, body), match![2]!) });
  };
  prefixed('github', 'x-hub-signature-256', ['sha256']);
  for (const name of ['x-gitea-signature', 'x-forgejo-signature']) {
    const value = header(headers, name);
    if (value !== undefined) attempts.push({ scheme: 'gitea', header: value, check: (secret) => hexEqual(hmac('sha256', secret, body), value.trim()) });
  }
  prefixed('bitbucket', 'x-hub-signature', ['sha1', 'sha256']);
  prefixed('hmac', 'x-signature', ['sha1', 'sha256', 'sha512']);
  const gitlab = header(headers, 'x-gitlab-token');
  if (gitlab !== undefined) attempts.push({ scheme: 'gitlab', header: '', check: (secret) => stringEqual(gitlab, secret) });

  for (const attempt of attempts) {
    if (secrets.some((secret) => attempt.check(secret))) return accepted(attempt.scheme, attempt.header || undefined);
  }
  const authorization = header(headers, 'authorization');
  const bearer = authorization === undefined ? undefined : /^Bearer\s+(.+)$/i.exec(authorization.trim())?.[1];
  if (bearer !== undefined && tokens.some((token) => stringEqual(bearer, token))) return accepted('bearer');

  if (options.allowUnauthenticated) return accepted('none');
  if (secrets.length === 0 && tokens.length === 0) return { ok: false, reason: "no webhook secret or token is configured (--webhook-secret-file, --webhook-token-file, a Sync's spec.webhook; --no-webhook-auth turns authentication off)" };
  if (attempts.length > 0 || bearer !== undefined) return { ok: false, reason: `the ${attempts[0]?.scheme ?? 'bearer'} ${attempts.length > 0 ? 'signature' : 'token'} matches no configured secret` };
  return { ok: false, reason: 'the delivery carries no signature or token' };
}

function hmac(algorithm: string, secret: string, body: Buffer): Buffer {
  return createHmac(algorithm, secret).update(body).digest();
}

/** Compares a digest with a hex string in constant time (for equal lengths; lengths are not secret). */
function hexEqual(digest: Buffer, hex: string): boolean {
  if (!/^[0-9a-f]*$/i.test(hex) || hex.length !== digest.length * 2) return false;
  return timingSafeEqual(digest, Buffer.from(hex, 'hex'));
}

/** Compares two strings in constant time; a length mismatch still costs one comparison. */
function stringEqual(given: string, wanted: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(wanted);
  if (a.length !== b.length) {
    timingSafeEqual(b, b);
    return false;
  }
  return timingSafeEqual(a, b);
}

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function firstHeader(headers: IncomingHttpHeaders, names: readonly string[]): string | undefined {
  for (const name of names) {
    const value = header(headers, name);
    if (value) return `${name}:${value}`;
  }
  return undefined;
}
