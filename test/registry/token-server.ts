// A small Docker token server (the `auth: token` flow of the distribution registry) on
// 127.0.0.1: it checks Basic credentials and answers with an RS256 JWT whose `x5c` header
// carries a self-signed certificate (made in-process by `selfsigned`) that the registry trusts through its
// `rootcertbundle`. Enough for the real registry to accept the tokens it hands out.
import { createPrivateKey, randomUUID, sign } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { generate } from 'selfsigned';
import type { TokenAuthConfig } from './registry.ts';

export interface TokenServerOptions {
  readonly username?: string;
  readonly password?: string;
  /** The field the token is returned in; both are in use in the wild. @default 'token' */
  readonly field?: 'token' | 'access_token';
}

export interface TokenServer {
  /** What to put under the registry's `auth.token`. */
  readonly config: TokenAuthConfig;
  readonly username: string;
  readonly password: string;
  /** Every request the server saw: its query (service, scope) and whether it had credentials. */
  readonly requests: { readonly service: string | null; readonly scopes: readonly string[]; readonly authorized: boolean }[];
  /** A token granting `actions` on `repository` (for pushing test images). */
  issue(repository: string, actions: readonly string[]): string;
  stop(): Promise<void>;
}

const SERVICE = 'strata-test-registry';
const ISSUER = 'strata-test-token-issuer';

export async function startTokenServer(options: TokenServerOptions = {}): Promise<TokenServer> {
  const username = options.username ?? 'token-user';
  const password = options.password ?? 'token-secret';
  const dir = await mkdtemp(path.join(tmpdir(), 'strata-token-'));
  const certFile = path.join(dir, 'cert.pem');
  const pems = await generate([{ name: 'commonName', value: ISSUER }], { keySize: 2048, algorithm: 'sha256', notAfterDate: new Date(Date.now() + 2 * 24 * 3600 * 1000) });
  await writeFile(certFile, pems.cert);
  const key = createPrivateKey(pems.private);
  const certDer = pems.cert.replace(/-----[^-]+-----/g, '').replace(/\s+/g, '');

  const b64url = (data: Buffer | string): string => Buffer.from(data).toString('base64url');
  const mint = (access: { type: string; name: string; actions: string[] }[], subject: string): string => {
    const now = Math.floor(Date.now() / 1000);
    const header = b64url(JSON.stringify({ typ: 'JWT', alg: 'RS256', x5c: [certDer] }));
    const claims = b64url(JSON.stringify({ iss: ISSUER, sub: subject, aud: SERVICE, exp: now + 300, nbf: now - 10, iat: now, jti: randomUUID(), access }));
    const signature = sign('sha256', Buffer.from(`${header}.${claims}`), key);
    return `${header}.${claims}.${b64url(signature)}`;
  };

  const requests: { service: string | null; scopes: string[]; authorized: boolean }[] = [];
  const expected = `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const scopes = url.searchParams.getAll('scope');
    const authorized = req.headers.authorization === expected;
    requests.push({ service: url.searchParams.get('service'), scopes, authorized });
    if (url.pathname !== '/token') {
      res.writeHead(404).end();
      return;
    }
    if (!authorized) {
      res.writeHead(401, { 'content-type': 'application/json', 'www-authenticate': 'Basic realm="strata-test-token"' });
      res.end(JSON.stringify({ errors: [{ code: 'UNAUTHORIZED', message: 'invalid username or password' }] }));
      return;
    }
    const access = scopes.flatMap((scope) => {
      const [type, name, actions] = scope.split(':');
      return type === undefined || name === undefined || actions === undefined ? [] : [{ type, name, actions: actions.split(',') }];
    });
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ [options.field ?? 'token']: mint(access, username), expires_in: 300 }));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host: '127.0.0.1', port: 0 }, () => resolve());
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('token server has no port');
  return {
    config: { realm: `http://127.0.0.1:${address.port}/token`, service: SERVICE, issuer: ISSUER, rootCertBundle: certFile },
    username,
    password,
    requests,
    issue: (repository, actions) => mint([{ type: 'repository', name: repository, actions: [...actions] }], username),
    stop: async () => {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await rm(dir, { recursive: true, force: true });
    },
  };
}
