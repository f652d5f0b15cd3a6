// `strata images scan|update` run as the real binary in a fixture project (a real git repo)
// against the real registry.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRegistry, type PushedImage, type TestRegistry } from '../registry/registry.ts';
import { git as gitAsync, startGitServer } from '../git/git-server.ts';
import { createFixtureRepo, fixtureClusters, fixtureFiles, git, pushFixtureImages, writeRegistryConfig } from './_fixture.ts';

const BIN = resolve(import.meta.dirname, '../../cli/bin/strata.js');

function strata(cwd: string, args: readonly string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((done) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd, env: { PATH: process.env.PATH ?? '', HOME: cwd, NO_COLOR: '1' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('close', (status) => done({ status, stdout, stderr }));
  });
}

describe('strata images', () => {
  let registry: TestRegistry;
  let workerDigest: string;
  let home: string;
  const dirs: string[] = [];

  beforeAll(async () => {
    registry = await startRegistry();
    await pushFixtureImages(registry);
    const pushed: PushedImage[] = await registry.push('shop/worker', ['main-42']);
    workerDigest = pushed[0]!.digest;
    home = mkdtempSync(join(tmpdir(), 'strata-images-home-'));
  });
  afterAll(async () => {
    await registry?.stop();
    for (const dir of [home, ...dirs]) if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });

  const project = (): { dir: string; config: string } => {
    const dir = createFixtureRepo(registry.host);
    dirs.push(dir);
    return { dir, config: writeRegistryConfig(home, registry) };
  };

  it('scan shows what each policy picks, per environment, as JSON', async () => {
    const { dir, config } = project();
    const r = await strata(dir, ['images', 'scan', '-o', 'json', '--registry-config', config]);
    expect(r.status, r.stderr).toBe(0);
    const h = registry.host;
    expect(JSON.parse(r.stdout)).toEqual({
      results: [
        { environment: 'development', component: 'checkout-api', image: `${h}/shop/checkout-api`, current: `${h}/shop/checkout-api:1.2.3`, latest: `${h}/shop/checkout-api:v1.10.0`, action: 'update', candidates: 4 },
        { environment: 'development', component: 'worker', image: `${h}/shop/worker`, current: `${h}/shop/worker:main-41`, latest: `${h}/shop/worker:main-42`, action: 'update', candidates: 3 },
        { environment: 'production', component: 'checkout-api', image: `${h}/shop/checkout-api`, current: `${h}/shop/checkout-api:1.2.3`, latest: `${h}/shop/checkout-api:1.2.3`, action: 'current', candidates: 4 },
        { environment: 'production', component: 'worker', image: `${h}/shop/worker`, current: `${h}/shop/worker:main-41`, latest: `${h}/shop/worker:main-42@${workerDigest}`, action: 'update', candidates: 3 },
      ],
    });
  });

  it('scan --env limits the environments; text output is a table', async () => {
    const { dir, config } = project();
    const r = await strata(dir, ['images', 'scan', '--env', 'production', '--registry-config', config]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout.split('\n')[0]).toMatch(/^ENVIRONMENT\s+COMPONENT\s+CURRENT\s+LATEST\s+ACTION$/);
    expect(r.stdout).not.toContain('development');
    expect(r.stdout).toMatch(/production\s+checkout-api\s+\S+:1\.2\.3\s+\S+:1\.2\.3\s+current/);
  });

  it('update --commit rewrites the locks in place and makes one commit listing each image old → new', async () => {
    const { dir, config } = project();
    const before = git(dir, 'rev-parse', 'HEAD');
    const r = await strata(dir, ['images', 'update', '--commit', '--no-compile', '--registry-config', config]);
    expect(r.status, r.stderr).toBe(0);
    const h = registry.host;
    const message = [
      'images: update 3 images in development, production',
      '',
      'development:',
      `  checkout-api: ${h}/shop/checkout-api:1.2.3 → ${h}/shop/checkout-api:v1.10.0`,
      `  worker: ${h}/shop/worker:main-41 → ${h}/shop/worker:main-42`,
      'production:',
      `  worker: ${h}/shop/worker:main-41 → ${h}/shop/worker:main-42@${workerDigest}`,
    ].join('\n');
    expect(git(dir, 'log', '-1', '--format=%B')).toBe(message);
    expect(git(dir, 'rev-parse', 'HEAD~1')).toBe(before);
    expect(git(dir, 'log', '-1', '--format=%an <%ae>')).toBe('Test Author <author@example.test>');
    expect(git(dir, 'show', '--format=', '--name-only', 'HEAD').split('\n')).toEqual(['clusters/development/images.json', 'clusters/production/images.json']);
    // One line per changed image; the hand-pinned entry and the order stay as they were.
    const diff = git(dir, 'show', '--format=', '--unified=0', 'HEAD');
    expect(diff.split('\n').filter((line) => /^[-+]\s/.test(line))).toEqual([
      `-    "checkout-api": "${h}/shop/checkout-api:1.2.3",`,
      `+    "checkout-api": "${h}/shop/checkout-api:v1.10.0",`,
      `-    "worker": "${h}/shop/worker:main-41"`,
      `+    "worker": "${h}/shop/worker:main-42"`,
      `-    "worker": "${h}/shop/worker:main-41"`,
      `+    "worker": "${h}/shop/worker:main-42@${workerDigest}"`,
    ]);
    expect(readFileSync(join(dir, 'clusters/development/images.json'), 'utf8')).toContain('"legacy": "ghcr.io/acme-shop/legacy:pinned-by-hand"');
    expect(git(dir, 'status', '--porcelain')).toBe('');

    // Nothing changed → no commit.
    const again = await strata(dir, ['images', 'update', '--commit', '--no-compile', '--registry-config', config]);
    expect(again.status, again.stderr).toBe(0);
    expect(again.stdout).toContain('nothing to update');
    expect(git(dir, 'rev-list', '--count', 'HEAD')).toBe('2');
  });

  it('update --commit recompiles the affected clusters with the compiler, and strata check passes after', async () => {
    const dir = createFixtureRepo(registry.host, fixtureClusters());
    dirs.push(dir);
    const config = writeRegistryConfig(home, registry);
    const synth = await strata(dir, ['synth']);
    expect(synth.status, synth.stderr).toBe(0);
    git(dir, 'add', '-A');
    git(dir, 'commit', '--quiet', '-m', 'compiled');
    const r = await strata(dir, ['images', 'update', '--commit', '--env', 'development', '--registry-config', config]);
    expect(r.status, r.stderr).toBe(0);
    expect(git(dir, 'show', '--format=', '--name-only', 'HEAD').split('\n').sort()).toEqual([
      'clusters/development/images.json',
      'deploy/development/index.json',
      'deploy/development/shop/deployment-checkout-api.yaml',
      'deploy/development/shop/deployment-worker.yaml',
    ]);
    expect(readFileSync(join(dir, 'deploy/development/shop/deployment-worker.yaml'), 'utf8')).toContain(`image: "${registry.host}/shop/worker:main-42"`);
    expect(git(dir, 'status', '--porcelain')).toBe('');
    const check = await strata(dir, ['check']);
    expect(check.status, check.stderr + check.stdout).toBe(0);
    expect(check.stdout).toContain('development: up to date');
  }, 240_000);

  it('update without --commit only rewrites the files', async () => {
    const { dir, config } = project();
    const r = await strata(dir, ['images', 'update', '--env', 'development', '--no-compile', '--registry-config', config]);
    expect(r.status, r.stderr).toBe(0);
    expect(git(dir, 'rev-list', '--count', 'HEAD')).toBe('1');
    expect(git(dir, 'status', '--porcelain')).toBe('M clusters/development/images.json');
  });

  it('update --push rebases onto commits pushed meanwhile and never forces', async () => {
    const server = await startGitServer();
    try {
      await server.createRepo('fleet');
      const initial = await server.push('fleet', { files: fixtureFiles(registry.host), message: 'initial' });
      const dir = mkdtempSync(join(tmpdir(), 'strata-images-clone-'));
      dirs.push(dir);
      // Async git only while the in-process Git server has to answer.
      await gitAsync(['clone', '--quiet', server.httpUrl('fleet'), '.'], dir);
      await gitAsync(['config', 'user.name', 'Test Author'], dir);
      await gitAsync(['config', 'user.email', 'author@example.test'], dir);
      const other = await server.push('fleet', { files: { 'README.md': 'someone else\n' }, message: 'someone else' });
      const r = await strata(dir, ['images', 'update', '--push', '--no-compile', '--env', 'development', '--registry-config', writeRegistryConfig(home, registry)]);
      expect(r.status, r.stderr).toBe(0);
      expect(r.stdout).toMatch(/Pushed [0-9a-f]{40}/);
      const bare = join(server.reposDir, 'fleet.git');
      const subjects = (await gitAsync(['log', '--format=%H %s', 'main'], bare)).split('\n');
      expect(subjects.map((line) => line.slice(41))).toEqual(['images: update 2 images in development', 'someone else', 'initial']);
      expect(subjects[1]!.slice(0, 40)).toBe(other);
      expect(subjects[2]!.slice(0, 40)).toBe(initial);
      expect(git(dir, 'rev-parse', 'HEAD')).toBe(subjects[0]!.slice(0, 40));
    } finally {
      await server.teardown();
    }
  });

  it('update --push redoes the update on top of a moved remote, so the pushed output matches the merged sources', async () => {
    const server = await startGitServer();
    try {
      await server.createRepo('compiled');
      const seed = createFixtureRepo(registry.host, fixtureClusters());
      dirs.push(seed);
      expect((await strata(seed, ['synth'])).status).toBe(0);
      const files = Object.fromEntries(
        git(seed, 'ls-files', '--others', '--cached', '--exclude-standard').split('\n').map((file) => [file, readFileSync(join(seed, file), 'utf8')]),
      );
      await server.push('compiled', { files, message: 'initial' });
      const dir = mkdtempSync(join(tmpdir(), 'strata-images-clone-'));
      dirs.push(dir);
      await gitAsync(['clone', '--quiet', server.httpUrl('compiled'), '.'], dir);
      // Someone re-pins the hand-owned image (sources only) after our clone.
      const lock = files['clusters/development/images.json']!.replace('pinned-by-hand', 'pinned-by-hand-2');
      await server.push('compiled', { files: { 'clusters/development/images.json': lock }, message: 'someone else' });
      const r = await strata(dir, ['images', 'update', '--push', '--env', 'development', '--registry-config', writeRegistryConfig(home, registry)]);
      expect(r.status, r.stderr).toBe(0);
      const bare = join(server.reposDir, 'compiled.git');
      expect((await gitAsync(['log', '--format=%s', 'main'], bare)).split('\n')).toEqual(['images: update 2 images in development', 'someone else', 'initial']);
      expect(await gitAsync(['show', 'main:deploy/development/shop/deployment-legacy.yaml'], bare)).toContain('pinned-by-hand-2');
      expect(await gitAsync(['show', 'main:deploy/development/shop/deployment-worker.yaml'], bare)).toContain('/shop/worker:main-42');
      const check = await strata(dir, ['check']);
      expect(check.status, check.stderr + check.stdout).toBe(0);
    } finally {
      await server.teardown();
    }
  }, 240_000);

  it('wrong credentials: exit 2, the image named, nothing written', async () => {
    const { dir } = project();
    const wrong = writeRegistryConfig(dir, registry, 'not-the-password');
    git(dir, 'add', 'registry-config.json');
    git(dir, 'commit', '--quiet', '-m', 'config');
    const r = await strata(dir, ['images', 'update', '--commit', '--no-compile', '--registry-config', wrong]);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain(`Error: image ${registry.host}/shop/checkout-api: cannot list tags: the registry rejected the credentials for ${registry.host} (401 Unauthorized`);
    expect(r.stderr).not.toContain('not-the-password');
    expect(git(dir, 'status', '--porcelain')).toBe('');
    expect(git(dir, 'rev-list', '--count', 'HEAD')).toBe('2');
  });
});
