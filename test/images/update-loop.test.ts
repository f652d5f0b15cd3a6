// The in-cluster update loop against a real Git server (smart HTTP with basic auth,
// test/git/) and the real registry: it pushes one commit, never over someone else's.
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { RegistryClient, runImageUpdate, runImageUpdateLoop, type ImageUpdateStatus, type Recompile } from '../../src/images/index.ts';
import { git as gitIn, startGitServer, type GitServer } from '../git/git-server.ts';
import { startRegistry, type TestRegistry } from '../registry/registry.ts';
import { fixtureFiles, pushFixtureImages } from './_fixture.ts';

describe('runImageUpdate against a real Git server', () => {
  let server: GitServer;
  let registry: TestRegistry;
  let client: RegistryClient;
  let repo = 0;
  let name: string;
  let initial: string;
  const workDirs: string[] = [];

  beforeAll(async () => {
    [server, registry] = await Promise.all([startGitServer({ password: 'git-secret' }), startRegistry()]);
    await pushFixtureImages(registry);
    client = new RegistryClient({ credentials: () => ({ username: registry.username, password: registry.password }) });
  });
  afterAll(async () => {
    await registry?.stop();
    await server?.teardown();
    for (const dir of workDirs) rmSync(dir, { recursive: true, force: true });
  });
  beforeEach(async () => {
    name = `fleet-${++repo}`;
    await server.createRepo(name);
    initial = await server.push(name, { files: { ...fixtureFiles(registry.host), 'README.md': 'fleet\n' }, message: 'initial' });
  });

  const bare = () => join(server.reposDir, `${name}.git`);
  const log = async () => (await gitIn(['log', '--format=%H %s', 'main'], bare())).split('\n');
  const run = async (recompile: Recompile | false = false, attempts?: number) => {
    const status = await runImageUpdate({
      repoUrl: server.httpUrl(name, { auth: false }),
      branch: 'main',
      credentials: server.credentials,
      client,
      recompile,
      ...(attempts === undefined ? {} : { attempts }),
    });
    workDirs.push(status.workDir);
    return status;
  };

  it('pushes one commit with the changes, then finds nothing to do', async () => {
    const status = await run();
    expect(status.condition).toMatchObject({ type: 'Ready', status: 'True', reason: 'Updated' });
    expect(status.changes.map((c) => `${c.environment}/${c.component}`)).toEqual(['development/checkout-api', 'development/worker', 'production/worker']);
    expect(await server.revParse(name, 'refs/heads/main')).toBe(status.pushedCommit);
    expect(await gitIn(['rev-parse', `${status.pushedCommit}~1`], bare())).toBe(initial);
    expect(await gitIn(['log', '-1', '--format=%an%n%B', 'main'], bare())).toMatch(/^Strata image automation\nimages: update 3 images in development, production\n/);
    expect(status.condition.message).not.toContain('git-secret');

    const again = await run();
    expect(again.condition).toMatchObject({ status: 'True', reason: 'UpToDate' });
    expect(await server.revParse(name, 'refs/heads/main')).toBe(status.pushedCommit);
  });

  it('when someone else pushes first, redoes the update on top of their commit', async () => {
    let other: string | undefined;
    const racer: Recompile = async () => {
      // Someone edits a hand-owned entry while the update is between clone and push.
      other ??= await server.push(name, {
        files: { 'clusters/development/images.json': fixtureFiles(registry.host)['clusters/development/images.json']!.replace('pinned-by-hand', 'pinned-by-hand-2') },
        message: 'someone else',
      });
      return [];
    };
    const status = await run(racer);
    expect(status.condition).toMatchObject({ status: 'True', reason: 'Updated' });
    expect(status.attempts).toBe(2);
    const history = await log();
    expect(history).toHaveLength(3);
    expect(history[1]).toBe(`${other} someone else`);
    const lock = await gitIn(['show', 'main:clusters/development/images.json'], bare());
    expect(lock).toContain('pinned-by-hand-2');
    expect(lock).toContain('/shop/checkout-api:v1.10.0');
  });

  it('gives up with a PushConflict condition when the remote keeps moving, never forcing', async () => {
    let n = 0;
    const racer: Recompile = async () => {
      await server.push(name, { files: { 'README.md': `edit ${++n}\n` }, message: `someone else ${n}` });
      return [];
    };
    const status = await run(racer, 2);
    expect(status.condition).toMatchObject({ type: 'Ready', status: 'False', reason: 'PushConflict' });
    expect(status.condition.message).toMatch(/moved during each of 2 attempts; gave up without pushing \(never force-pushes\)/);
    expect(status.pushedCommit).toBeUndefined();
    expect((await log()).map((line) => line.slice(41))).toEqual(['someone else 2', 'someone else 1', 'initial']);
  });

  it('runImageUpdateLoop runs on an interval, reusing its clone, until aborted', async () => {
    const statuses: ImageUpdateStatus[] = [];
    const controller = new AbortController();
    await runImageUpdateLoop({
      repoUrl: server.httpUrl(name, { auth: false }),
      credentials: server.credentials,
      client,
      recompile: false,
      intervalMs: 10,
      signal: controller.signal,
      onStatus: (status) => {
        statuses.push(status);
        workDirs.push(status.workDir);
        if (statuses.length === 2) controller.abort();
      },
    });
    expect(statuses.map((status) => status.condition.reason)).toEqual(['Updated', 'UpToDate']);
    expect(statuses[1]!.workDir).toBe(statuses[0]!.workDir);
  });

  it('reports wrong Git credentials as GitFailed without the secret', async () => {
    const status = await runImageUpdate({ repoUrl: server.httpUrl(name, { auth: false }), credentials: { username: 'strata', password: 'wrong-secret' }, client, recompile: false });
    workDirs.push(status.workDir);
    expect(status.condition).toMatchObject({ status: 'False', reason: 'GitFailed' });
    expect(status.condition.message).toContain(`http://127.0.0.1:${server.httpPort}/${name}.git: git fetch failed`);
    expect(status.condition.message).not.toContain('wrong-secret');
  });
});
