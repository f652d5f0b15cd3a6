/**
 * Registry credentials from a docker `config.json`-style file:
 *
 * ```json
 * { "auths": { "ghcr.io": { "auth": "<base64 user:password>" },
 *              "https://index.docker.io/v1/": { "username": "u", "password": "p" } } }
 * ```
 *
 * Keys may be bare hosts or URLs (`https://host`, `https://host/v1/`); Docker
 * Hub is found under any of its names. Credential helpers (`credsStore`,
 * `credHelpers`) are not run: export the secret into such a file instead.
 */
import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import path from 'node:path';
import { DOCKER_HUB, DOCKER_HUB_API } from './image-ref.ts';
import { ImageFileError } from './errors.ts';

export interface BasicCredentials {
  readonly username: string;
  readonly password: string;
}

/** Looks up the credentials for a registry (as `ImageRef.registry` names it). */
export type CredentialLookup = (registry: string) => BasicCredentials | undefined;

/** The default file: `$DOCKER_CONFIG/config.json`, else `~/.docker/config.json`. */
export function defaultCredentialsFile(env: NodeJS.ProcessEnv = process.env): string {
  return path.join(env.DOCKER_CONFIG ?? path.join(homedir(), '.docker'), 'config.json');
}

/** Reads a credentials file; with `optional`, a missing file means no credentials. */
export async function readCredentialsFile(file: string, optional = false): Promise<CredentialLookup> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if (optional && (error as NodeJS.ErrnoException).code === 'ENOENT') return () => undefined;
    throw new ImageFileError(file, 'cannot read the registry credentials', { cause: error });
  }
  return parseCredentials(file, text);
}

export function parseCredentials(file: string, text: string): CredentialLookup {
  let root: unknown;
  try {
    root = JSON.parse(text);
  } catch (error) {
    throw new ImageFileError(file, 'not valid JSON', { cause: error });
  }
  const auths = (root as { auths?: unknown } | null)?.auths ?? {};
  if (typeof auths !== 'object' || auths === null) throw new ImageFileError(file, '"auths" must be an object');
  const byHost = new Map<string, BasicCredentials>();
  for (const [key, entry] of Object.entries(auths as Record<string, unknown>)) {
    const credentials = decodeEntry(entry);
    if (credentials === undefined) continue;
    const host = normalizeHost(key);
    if (!byHost.has(host)) byHost.set(host, credentials);
  }
  return (registry) => byHost.get(normalizeHost(registry));
}

function decodeEntry(entry: unknown): BasicCredentials | undefined {
  if (typeof entry !== 'object' || entry === null) return undefined;
  const { auth, username, password } = entry as Record<string, unknown>;
  if (typeof username === 'string' && typeof password === 'string') return { username, password };
  if (typeof auth !== 'string' || auth === '') return undefined;
  const decoded = Buffer.from(auth, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

/** `https://index.docker.io/v1/` → `docker.io`; `https://ghcr.io` → `ghcr.io`. */
function normalizeHost(key: string): string {
  const host = key.replace(/^[a-z]+:\/\//i, '').replace(/\/.*$/, '').toLowerCase();
  return host === DOCKER_HUB_API || host === 'registry-1.docker.io' ? DOCKER_HUB : host;
}
