/**
 * A small OCI Distribution API client: tag lists (with `n`/`last` paging and
 * the `Link` header) and manifest digests, authenticating the way registries
 * ask to in their `WWW-Authenticate` challenge — a Bearer token from the realm
 * (with Basic credentials when there are some, anonymously otherwise) or Basic
 * directly. Retries 429 and 5xx with exponential backoff; 401, 403 and 404 are
 * `RegistryError`s that name the image.
 */
import { createHash } from 'node:crypto';
import { parseChallenges, type AuthChallenge } from './challenge.ts';
import type { BasicCredentials, CredentialLookup } from './credentials.ts';
import { RegistryError } from './errors.ts';
import { imageName, parseImageRef, registryBaseUrl, type ImageRef } from './image-ref.ts';

/** What a manifest HEAD accepts: OCI index and manifest, docker v2 list and manifest. */
export const MANIFEST_ACCEPT = [
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.docker.distribution.manifest.v2+json',
].join(', ');

export interface RegistryClientOptions {
  /** Basic credentials per registry. @default none (anonymous) */
  readonly credentials?: CredentialLookup;
  /** Tags asked for per page (`n`); the registry's own default when unset. @default undefined */
  readonly pageSize?: number;
  /** Attempts after the first on 429, 5xx or a network error. @default 4 */
  readonly retries?: number;
  /** First backoff delay; doubles each attempt (a `Retry-After` header wins, up to 30 s). @default 500 */
  readonly backoffMs?: number;
  /** Per-request timeout. @default 30000 */
  readonly timeoutMs?: number;
  /** Force plain HTTP (true) or HTTPS (false); by default only localhost/127.0.0.1 use HTTP. @default undefined */
  readonly insecure?: (registry: string) => boolean | undefined;
  /** The fetch to use. @default globalThis.fetch */
  readonly fetch?: typeof fetch;
  /** Pages followed at most, against a registry whose `Link` never ends. @default 1000 */
  readonly maxPages?: number;
}

interface CachedToken {
  readonly header: string;
  readonly expires: number;
}

export class RegistryClient {
  private readonly fetchImpl: typeof fetch;
  private readonly tokens = new Map<string, CachedToken>();
  /** Authorization per registry+repository that worked last time, tried first. */
  private readonly authorization = new Map<string, string>();

  constructor(private readonly options: RegistryClientOptions = {}) {
    this.fetchImpl = options.fetch ?? globalThis.fetch;
  }

  /** Every tag of the image's repository, in the order the registry lists them. */
  async listTags(image: ImageRef | string): Promise<string[]> {
    const ref = typeof image === 'string' ? parseImageRef(image) : image;
    const base = this.baseUrl(ref);
    const first = new URL(`v2/${ref.repository}/tags/list`, base);
    if (this.options.pageSize !== undefined) first.searchParams.set('n', String(this.options.pageSize));
    const tags: string[] = [];
    const seen = new Set<string>();
    let next: URL | undefined = first;
    const maxPages = this.options.maxPages ?? 1000;
    while (next !== undefined) {
      if (seen.has(next.href) || seen.size >= maxPages) throw new RegistryError(imageName(ref), 'protocol', `tag list paging does not end (at ${next.pathname}${next.search})`);
      seen.add(next.href);
      const response = await this.request(ref, next, { method: 'GET', headers: { accept: 'application/json' } }, 'list tags');
      let body: { tags?: unknown };
      try {
        body = (await response.json()) as { tags?: unknown };
      } catch (error) {
        throw new RegistryError(imageName(ref), 'protocol', 'tag list is not JSON', response.status, { cause: error });
      }
      if (body.tags !== null && body.tags !== undefined) {
        if (!Array.isArray(body.tags) || body.tags.some((tag) => typeof tag !== 'string')) throw new RegistryError(imageName(ref), 'protocol', 'tag list "tags" is not an array of strings');
        tags.push(...(body.tags as string[]));
      }
      next = nextLink(response.headers.get('link'), base);
    }
    return tags;
  }

  /** The manifest digest (`sha256:…`) a tag points at, by HEAD (GET when the registry sends no digest header). */
  async manifestDigest(image: ImageRef | string, tag: string): Promise<string> {
    const ref = typeof image === 'string' ? parseImageRef(image) : image;
    const url = new URL(`v2/${ref.repository}/manifests/${encodeURIComponent(tag)}`, this.baseUrl(ref));
    const head = await this.request(ref, url, { method: 'HEAD', headers: { accept: MANIFEST_ACCEPT } }, `resolve tag ${tag}`);
    const digest = head.headers.get('docker-content-digest');
    if (digest !== null && digest !== '') return digest;
    const get = await this.request(ref, url, { method: 'GET', headers: { accept: MANIFEST_ACCEPT } }, `resolve tag ${tag}`);
    return `sha256:${createHash('sha256').update(Buffer.from(await get.arrayBuffer())).digest('hex')}`;
  }

  private baseUrl(ref: ImageRef): URL {
    return registryBaseUrl(ref.registry, this.options.insecure?.(ref.registry));
  }

  /** One request with auth and retries; throws a `RegistryError` for any non-2xx answer. */
  private async request(ref: ImageRef, url: URL, init: { method: string; headers: Record<string, string> }, what: string): Promise<Response> {
    const name = imageName(ref);
    const key = `${ref.registry}/${ref.repository}`;
    let authorization = this.authorization.get(key);
    let authenticated = false;
    for (;;) {
      const response = await this.send(name, url, { ...init, headers: { ...init.headers, ...(authorization === undefined ? {} : { authorization }) } }, what);
      if (response.status === 401 && !authenticated) {
        await response.body?.cancel();
        authorization = await this.authenticate(ref, response.headers.get('www-authenticate'), what);
        authenticated = true;
        this.authorization.set(key, authorization);
        continue;
      }
      if (response.ok) return response;
      const detail = await errorDetail(response);
      await response.body?.cancel().catch(() => undefined);
      switch (response.status) {
        case 401:
          this.authorization.delete(key);
          throw new RegistryError(name, 'unauthorized', `cannot ${what}: the registry rejected the credentials for ${ref.registry} (401 Unauthorized${detail})`, 401);
        case 403:
          throw new RegistryError(name, 'forbidden', `cannot ${what}: access denied (403 Forbidden${detail}); the credentials for ${ref.registry} lack pull access`, 403);
        case 404:
          throw new RegistryError(name, 'not-found', `cannot ${what}: not found (404 Not Found${detail})`, 404);
        default:
          throw new RegistryError(name, response.status === 429 ? 'rate-limited' : response.status >= 500 ? 'server' : 'protocol', `cannot ${what}: HTTP ${response.status}${detail}`, response.status);
      }
    }
  }

  /** Sends with retries on 429, 5xx and network errors. */
  private async send(name: string, url: URL, init: RequestInit, what: string): Promise<Response> {
    const retries = this.options.retries ?? 4;
    const backoff = this.options.backoffMs ?? 500;
    for (let attempt = 0; ; attempt++) {
      let response: Response;
      try {
        response = await this.fetchImpl(url, { ...init, redirect: 'follow', signal: AbortSignal.timeout(this.options.timeoutMs ?? 30_000) });
      } catch (error) {
        // A name that does not resolve (NXDOMAIN) will not resolve on retry; EAI_AGAIN still retries.
        if (attempt >= retries || errorCode(error) === 'ENOTFOUND') throw new RegistryError(name, 'network', `cannot ${what}: ${url.origin} unreachable${attempt === 0 ? '' : ` after ${attempt + 1} attempts`}${networkDetail(error)}`, undefined, { cause: error });
        await sleep(backoff * 2 ** attempt);
        continue;
      }
      if ((response.status === 429 || response.status >= 500) && attempt < retries) {
        await response.body?.cancel();
        await sleep(retryAfter(response.headers.get('retry-after')) ?? backoff * 2 ** attempt);
        continue;
      }
      return response;
    }
  }

  /** Answers a challenge: a Bearer token from the realm, or Basic credentials. */
  private async authenticate(ref: ImageRef, header: string | null, what: string): Promise<string> {
    const name = imageName(ref);
    const credentials = await this.options.credentials?.(ref.registry);
    const challenges = header === null ? [] : parseChallenges(header);
    const bearer = challenges.find((challenge) => challenge.scheme === 'bearer');
    if (bearer !== undefined) return this.bearerToken(ref, bearer, credentials, what);
    if (challenges.some((challenge) => challenge.scheme === 'basic') || challenges.length === 0) {
      if (credentials === undefined) {
        throw new RegistryError(name, 'unauthorized', `cannot ${what}: ${ref.registry} requires authentication (401 Unauthorized) and no credentials are configured for it`, 401);
      }
      if (credentials.identityToken === true) {
        throw new RegistryError(name, 'unauthorized', `cannot ${what}: the credentials for ${ref.registry} are an identity token, which only a Bearer token server accepts, and ${ref.registry} asks for Basic authentication`, 401);
      }
      return basicHeader(credentials);
    }
    throw new RegistryError(name, 'unauthorized', `cannot ${what}: unsupported authentication scheme "${challenges[0]?.scheme}" from ${ref.registry}`, 401);
  }

  private async bearerToken(ref: ImageRef, challenge: AuthChallenge, credentials: BasicCredentials | undefined, what: string): Promise<string> {
    const name = imageName(ref);
    const realm = challenge.params.realm;
    if (realm === undefined) throw new RegistryError(name, 'protocol', `cannot ${what}: Bearer challenge without a realm`, 401);
    let url: URL;
    try {
      url = new URL(realm);
    } catch (error) {
      throw new RegistryError(name, 'protocol', `cannot ${what}: Bearer realm is not a URL: ${realm}`, 401, { cause: error });
    }
    if (challenge.params.service !== undefined) url.searchParams.set('service', challenge.params.service);
    const scope = challenge.params.scope ?? `repository:${ref.repository}:pull`;
    for (const part of scope.split(' ')) if (part !== '') url.searchParams.append('scope', part);
    const cacheKey = `${url.href}\u0000${credentials?.identityToken === true ? '<token>' : (credentials?.username ?? '')}`;
    const cached = this.tokens.get(cacheKey);
    if (cached !== undefined && cached.expires > Date.now()) return cached.header;
    const request = tokenRequest(url, credentials);
    const response = await this.send(name, request.url, request.init, `get a token from ${url.origin}${url.pathname}`);
    if (!response.ok) {
      const detail = await errorDetail(response);
      const reason = response.status === 403 ? 'forbidden' : response.status === 401 ? 'unauthorized' : 'protocol';
      const hint = credentials === undefined ? `; no credentials are configured for ${ref.registry}` : `; the token server rejected the credentials for ${ref.registry}`;
      throw new RegistryError(name, reason, `cannot ${what}: token request to ${url.origin}${url.pathname} failed with HTTP ${response.status}${detail}${response.status === 401 || response.status === 403 ? hint : ''}`, response.status);
    }
    const body = (await response.json().catch(() => ({}))) as { token?: unknown; access_token?: unknown; expires_in?: unknown };
    const token = typeof body.token === 'string' && body.token !== '' ? body.token : body.access_token;
    if (typeof token !== 'string' || token === '') throw new RegistryError(name, 'protocol', `cannot ${what}: token response from ${url.origin} has neither "token" nor "access_token"`);
    const seconds = typeof body.expires_in === 'number' && body.expires_in > 0 ? body.expires_in : 60;
    const header = `Bearer ${token}`;
    this.tokens.set(cacheKey, { header, expires: Date.now() + Math.max(0, seconds - 5) * 1000 });
    return header;
  }
}

/**
 * The token request: GET with Basic credentials, or for an identity token the
 * OAuth2 refresh-token grant as a form POST (what docker and containerd send).
 */
function tokenRequest(url: URL, credentials: BasicCredentials | undefined): { url: URL; init: RequestInit } {
  if (credentials === undefined) return { url, init: { method: 'GET', headers: {} } };
  if (credentials.identityToken !== true) return { url, init: { method: 'GET', headers: { authorization: basicHeader(credentials) } } };
  const form = new URLSearchParams({ grant_type: 'refresh_token', refresh_token: credentials.password, client_id: 'strata' });
  const service = url.searchParams.get('service');
  if (service !== null) form.set('service', service);
  const scopes = url.searchParams.getAll('scope');
  if (scopes.length > 0) form.set('scope', scopes.join(' '));
  const realm = new URL(url.href);
  realm.search = '';
  return { url: realm, init: { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: form.toString() } };
}

function basicHeader(credentials: BasicCredentials): string {
  return `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64')}`;
}

/** The `rel="next"` target of a `Link` header, resolved against the registry URL. */
export function nextLink(header: string | null, base: URL): URL | undefined {
  if (header === null) return undefined;
  for (const part of header.split(/,(?=\s*<)/)) {
    const match = /^\s*<([^>]*)>(.*)$/.exec(part);
    if (match === null) continue;
    const rels = /;\s*rel="?([^";]*)"?/i.exec(match[2] ?? '')?.[1]?.split(/\s+/) ?? [];
    if (rels.includes('next')) return new URL(match[1] ?? '', base);
  }
  return undefined;
}

function retryAfter(header: string | null): number | undefined {
  if (header === null) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.min(30_000, Math.max(0, seconds * 1000));
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.min(30_000, Math.max(0, date - Date.now()));
}

/** `: <first registry error message>` from an OCI error body, or ''. */
async function errorDetail(response: Response): Promise<string> {
  try {
    const text = await response.text();
    const body = JSON.parse(text) as { errors?: { code?: string; message?: string }[] };
    const first = body.errors?.[0];
    return first === undefined ? '' : `: ${[first.code, first.message].filter(Boolean).join(' ')}`;
  } catch {
    return '';
  }
}

/** ` (getaddrinfo ENOTFOUND ghcr.io)`: what fetch's opaque "fetch failed" hides in its cause. */
function networkDetail(error: unknown): string {
  const cause = (error as { cause?: unknown }).cause ?? error;
  if (cause instanceof Error && cause.name === 'TimeoutError') return ' (timed out)';
  const text = cause instanceof Error ? cause.message : '';
  return text === '' || text === 'fetch failed' ? '' : ` (${text})`;
}

function errorCode(error: unknown): string | undefined {
  const cause = (error as { cause?: { code?: unknown } }).cause;
  return typeof cause?.code === 'string' ? cause.code : undefined;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
