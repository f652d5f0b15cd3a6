/**
 * Registry credentials the way the docker CLI finds them in its `config.json`:
 *
 * ```json
 * { "credHelpers": { "123.dkr.ecr.eu-west-1.amazonaws.com": "ecr-login" },
 *   "credsStore": "desktop",
 *   "auths": { "ghcr.io": { "auth": "<base64 user:password>" },
 *              "https://index.docker.io/v1/": { "username": "u", "password": "p" } } }
 * ```
 *
 * For a registry host, `credHelpers[host]` wins, else `credsStore`, else the
 * plain `auths` entry. A helper is the executable `docker-credential-<name>`
 * on the PATH, run as `docker-credential-<name> get` with the server URL on
 * stdin (the host; Docker Hub as `https://index.docker.io/v1/`) and answering
 * `{"ServerURL","Username","Secret"}` on stdout. A helper that says
 * "credentials not found" means none from it: the plain `auths` entry is used
 * when it holds credentials, else the registry is asked anonymously (docker
 * itself stops at the helper; the `auths` entries beside a helper are normally
 * empty, so the fallback only adds a chance to authenticate). Any other helper
 * failure is a `CredentialHelperError` naming the helper and the registry.
 *
 * A `<token>` username (the docker convention) means the secret is an identity
 * (OAuth2 refresh) token, not a password: it is returned with `identityToken`
 * set, and the registry client exchanges it at the Bearer token server with
 * `grant_type=refresh_token`, as docker does; it cannot answer a Basic challenge.
 *
 * Keys may be bare hosts or URLs (`https://host`, `https://host/v1/`); Docker
 * Hub is found under any of its names. Helpers are run on each lookup, not
 * cached: the registry client asks once per repository and keeps what worked.
 */
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import path from 'node:path';
import { DOCKER_HUB, DOCKER_HUB_API } from './image-ref.ts';
import { CredentialHelperError, ImageFileError } from './errors.ts';

export interface BasicCredentials {
  readonly username: string;
  /** The password, or the identity token when `identityToken` is set. */
  readonly password: string;
  /** The helper answered the `<token>` username: `password` is an OAuth2 refresh token. @default false */
  readonly identityToken?: boolean;
}

/** Looks up the credentials for a registry (as `ImageRef.registry` names it); may run a helper. */
export type CredentialLookup = (registry: string) => Promise<BasicCredentials | undefined> | BasicCredentials | undefined;

export interface CredentialHelperOptions {
  /** The environment helpers run with (and whose PATH finds them). @default process.env */
  readonly env?: NodeJS.ProcessEnv;
  /** How long a helper may take (some ask a keychain or a cloud API). @default 60000 */
  readonly timeoutMs?: number;
}

/** The username with which helpers mark the secret as an identity token. */
export const IDENTITY_TOKEN_USERNAME = '<token>';

/** The default file: `$DOCKER_CONFIG/config.json`, else `~/.docker/config.json`. */
export function defaultCredentialsFile(env: NodeJS.ProcessEnv = process.env): string {
  return path.join(env.DOCKER_CONFIG ?? path.join(homedir(), '.docker'), 'config.json');
}

/** Reads a credentials file; with `optional`, a missing file means no credentials. */
export async function readCredentialsFile(file: string, optional = false, options: CredentialHelperOptions = {}): Promise<CredentialLookup> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if (optional && (error as NodeJS.ErrnoException).code === 'ENOENT') return () => undefined;
    throw new ImageFileError(file, 'cannot read the registry credentials', { cause: error });
  }
  return parseCredentials(file, text, options);
}

export function parseCredentials(file: string, text: string, options: CredentialHelperOptions = {}): CredentialLookup {
  let root: unknown;
  try {
    root = JSON.parse(text);
  } catch (error) {
    throw new ImageFileError(file, 'not valid JSON', { cause: error });
  }
  if (typeof root !== 'object' || root === null || Array.isArray(root)) throw new ImageFileError(file, 'must be a JSON object');
  const { auths = {}, credsStore, credHelpers = {} } = root as Record<string, unknown>;
  if (typeof auths !== 'object' || auths === null) throw new ImageFileError(file, '"auths" must be an object');
  if (credsStore !== undefined && (typeof credsStore !== 'string' || !validHelperName(credsStore))) {
    throw new ImageFileError(file, '"credsStore" must be a helper name (docker-credential-<name>)');
  }
  if (typeof credHelpers !== 'object' || credHelpers === null) throw new ImageFileError(file, '"credHelpers" must be an object');
  const byHost = new Map<string, BasicCredentials>();
  for (const [key, entry] of Object.entries(auths as Record<string, unknown>)) {
    const credentials = decodeEntry(entry);
    if (credentials === undefined) continue;
    const host = normalizeHost(key);
    if (!byHost.has(host)) byHost.set(host, credentials);
  }
  const helperByHost = new Map<string, string>();
  for (const [key, name] of Object.entries(credHelpers as Record<string, unknown>)) {
    if (typeof name !== 'string' || !validHelperName(name)) throw new ImageFileError(file, `"credHelpers"."${key}" must be a helper name (docker-credential-<name>)`);
    const host = normalizeHost(key);
    if (!helperByHost.has(host)) helperByHost.set(host, name);
  }
  return async (registry) => {
    const host = normalizeHost(registry);
    const helper = helperByHost.get(host) ?? (credsStore as string | undefined);
    if (helper !== undefined) {
      const found = await runCredentialHelper(helper, host, options);
      if (found !== undefined) return found;
    }
    return byHost.get(host);
  };
}

/**
 * Runs `docker-credential-<helper> get` for a registry host; `undefined` when
 * the helper has no credentials for it.
 */
export async function runCredentialHelper(helper: string, registry: string, options: CredentialHelperOptions = {}): Promise<BasicCredentials | undefined> {
  const host = normalizeHost(registry);
  const serverUrl = host === DOCKER_HUB ? `https://${DOCKER_HUB_API}/v1/` : host;
  const program = `docker-credential-${helper}`;
  const fail = (message: string, cause?: unknown): CredentialHelperError =>
    new CredentialHelperError(program, host, message, cause === undefined ? undefined : { cause });
  const result = await run(program, serverUrl, options).catch((error: unknown) => {
    const code = (error as NodeJS.ErrnoException).code;
    throw fail(code === 'ENOENT' ? `not found on the PATH (install it, or remove "${helper}" from the docker config)` : (error as Error).message, error);
  });
  if (result.code !== 0) {
    // Helpers (docker-credential-helpers' Serve) print their error on stdout; some use stderr.
    const message = (result.stdout.trim() || result.stderr.trim()).split('\n')[0] ?? '';
    if (/credentials not found/i.test(message)) return undefined;
    throw fail(`exited with ${result.signal ?? `code ${result.code}`}${message === '' ? '' : `: ${message.slice(0, 300)}`}`);
  }
  let answer: unknown;
  try {
    answer = JSON.parse(result.stdout);
  } catch {
    // Never quote the output: it may hold the secret.
    throw fail('answered with something that is not JSON');
  }
  const { Username: username, Secret: secret } = (answer ?? {}) as Record<string, unknown>;
  if (typeof username !== 'string' || typeof secret !== 'string') throw fail('answered without a "Username" and "Secret" string');
  if (secret === '') return undefined;
  return username === IDENTITY_TOKEN_USERNAME ? { username: '', password: secret, identityToken: true } : { username, password: secret };
}

interface RunResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

function run(program: string, input: string, options: CredentialHelperOptions): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(program, ['get'], { env: options.env ?? process.env, stdio: ['pipe', 'pipe', 'pipe'], timeout: options.timeoutMs ?? 60_000 });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
    child.on('error', reject);
    // A helper that exits before reading stdin must not turn into an EPIPE crash.
    child.stdin.on('error', () => undefined);
    child.on('close', (code, signal) => resolve({ code, signal, stdout: Buffer.concat(stdout).toString('utf8'), stderr: Buffer.concat(stderr).toString('utf8') }));
    child.stdin.end(input);
  });
}

function validHelperName(name: string): boolean {
  return /^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(name);
}

function decodeEntry(entry: unknown): BasicCredentials | undefined {
  if (typeof entry !== 'object' || entry === null) return undefined;
  const { auth, username, password, identitytoken } = entry as Record<string, unknown>;
  if (typeof identitytoken === 'string' && identitytoken !== '') return { username: '', password: identitytoken, identityToken: true };
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
