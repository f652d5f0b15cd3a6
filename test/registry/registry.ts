// A real OCI registry for tests: the reference distribution registry (v3, built from the Go
// module pinned in test/registry/tools/distribution/ by the tools step, see ./tools.ts) started
// on 127.0.0.1 with a free port, a temp storage folder and a generated config.yml, with
// htpasswd (bcrypt, hashed in-process by bcryptjs) or token auth. Images are pushed through the
// registry API (a config blob, one layer and a manifest), no Docker needed.
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import bcrypt from 'bcryptjs';
import { freePorts } from '../cluster/ports.ts';
import { registryV3Binary } from './tools.ts';

export class RegistryToolError extends Error {
  override readonly name = 'RegistryToolError';
}

export interface TokenAuthConfig {
  readonly realm: string;
  readonly service: string;
  readonly issuer: string;
  /** PEM file with the certificate that signs the tokens. */
  readonly rootCertBundle: string;
}

export interface StartRegistryOptions {
  /** The registry binary (`serve <config>`). @default the distribution v3 registry of the tools cache (built when missing) */
  readonly binary?: string;
  /** @default 'strata' */
  readonly username?: string;
  /** @default 'registry-secret' */
  readonly password?: string;
  /** Token auth instead of htpasswd. @default undefined (htpasswd) */
  readonly token?: TokenAuthConfig;
}

export interface PushedImage {
  readonly tag: string;
  readonly digest: string;
}

export interface TestRegistry {
  /** `127.0.0.1:<port>`, the registry part of image references. */
  readonly host: string;
  readonly url: string;
  readonly username: string;
  readonly password: string;
  /** Pushes a tiny image under each tag (each tag its own manifest); `authorization` overrides basic auth. */
  push(repository: string, tags: readonly string[], authorization?: string): Promise<PushedImage[]>;
  /** The registry's log so far (for failure messages). */
  log(): string;
  stop(): Promise<void>;
}

export async function startRegistry(options: StartRegistryOptions = {}): Promise<TestRegistry> {
  const registryBin = options.binary ?? (await registryV3Binary());
  const username = options.username ?? 'strata';
  const password = options.password ?? 'registry-secret';
  const dir = await mkdtemp(path.join(tmpdir(), 'strata-registry-'));
  let auth: string;
  if (options.token === undefined) {
    // What `htpasswd -Bbn` writes: the registry reads bcrypt entries only.
    await writeFile(path.join(dir, 'htpasswd'), `${username}:${bcrypt.hashSync(password, 10)}\n`);
    auth = `  htpasswd:\n    realm: strata-test\n    path: ${path.join(dir, 'htpasswd')}\n`;
  } else {
    const t = options.token;
    auth = `  token:\n    realm: ${t.realm}\n    service: ${t.service}\n    issuer: ${t.issuer}\n    rootcertbundle: ${t.rootCertBundle}\n`;
  }
  const logLines: string[] = [];
  for (let attempt = 0; ; attempt++) {
    const [port] = await freePorts(1);
    const host = `127.0.0.1:${port}`;
    const config = [
      'version: 0.1',
      'log:',
      '  level: warn',
      '  accesslog:',
      '    disabled: true',
      'storage:',
      '  filesystem:',
      `    rootdirectory: ${path.join(dir, 'data')}`,
      '  delete:',
      '    enabled: true',
      'http:',
      `  addr: ${host}`,
      '  secret: strata-test-secret',
      'auth:',
      auth,
    ].join('\n');
    await writeFile(path.join(dir, 'config.yml'), config);
    const child = spawn(registryBin, ['serve', path.join(dir, 'config.yml')], { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout?.on('data', (chunk: Buffer) => logLines.push(chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => logLines.push(chunk.toString()));
    const url = `http://${host}`;
    if (await waitReady(url, child)) {
      const basic = `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
      return {
        host,
        url,
        username,
        password,
        push: (repository, tags, authorization) => pushImages(url, repository, tags, authorization ?? basic),
        log: () => logLines.join(''),
        stop: async () => {
          await stopProcess(child);
          await rm(dir, { recursive: true, force: true });
        },
      };
    }
    await stopProcess(child);
    if (attempt >= 2) {
      await rm(dir, { recursive: true, force: true });
      throw new RegistryToolError(`the registry did not start on ${host}:\n${logLines.join('')}`);
    }
  }
}

async function waitReady(url: string, child: ChildProcess): Promise<boolean> {
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) return false;
    try {
      const response = await fetch(`${url}/v2/`);
      await response.body?.cancel();
      if (response.status === 200 || response.status === 401) return true;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return false;
}

function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

const sha256 = (data: Buffer): string => `sha256:${createHash('sha256').update(data).digest('hex')}`;

async function pushBlob(url: string, repository: string, data: Buffer, authorization: string): Promise<string> {
  const digest = sha256(data);
  const start = await fetch(`${url}/v2/${repository}/blobs/uploads/`, { method: 'POST', headers: { authorization } });
  await start.body?.cancel();
  if (start.status !== 202) throw new Error(`blob upload to ${repository} refused: HTTP ${start.status}`);
  const location = new URL(start.headers.get('location') ?? '', url);
  location.searchParams.set('digest', digest);
  const put = await fetch(location, {
    method: 'PUT',
    headers: { authorization, 'content-type': 'application/octet-stream', 'content-length': String(data.length) },
    body: data,
  });
  await put.body?.cancel();
  if (put.status !== 201) throw new Error(`blob upload to ${repository} failed: HTTP ${put.status}`);
  return digest;
}

async function pushImages(url: string, repository: string, tags: readonly string[], authorization: string): Promise<PushedImage[]> {
  const pushed: PushedImage[] = [];
  const layer = gzipSync(Buffer.from('strata test layer\n'));
  const layerDigest = await pushBlob(url, repository, layer, authorization);
  for (const tag of tags) {
    const config = Buffer.from(
      JSON.stringify({ architecture: 'amd64', os: 'linux', config: { Labels: { tag } }, rootfs: { type: 'layers', diff_ids: [sha256(Buffer.from('strata test layer\n'))] } }),
    );
    const configDigest = await pushBlob(url, repository, config, authorization);
    const manifest = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: configDigest, size: config.length },
        layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: layerDigest, size: layer.length }],
      }),
    );
    const put = await fetch(`${url}/v2/${repository}/manifests/${tag}`, {
      method: 'PUT',
      headers: { authorization, 'content-type': 'application/vnd.oci.image.manifest.v1+json' },
      body: manifest,
    });
    const text = await put.text();
    if (put.status !== 201) throw new Error(`manifest ${repository}:${tag} refused: HTTP ${put.status} ${text}`);
    pushed.push({ tag, digest: put.headers.get('docker-content-digest') ?? sha256(manifest) });
  }
  return pushed;
}
