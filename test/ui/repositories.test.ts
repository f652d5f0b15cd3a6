// The UI's mirrors of Sync repositories against the real Git server on 127.0.0.1 (git daemon): a
// revision's source commit is read from its `Source-Commit` trailer, cached per revision (one
// fetch serves many rows), a plain commit is its own source, and a URL that would run a command
// (`ext::`) is refused.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Repositories } from '../../src/ui/repositories.ts';
import { startGitServer, type GitServer } from '../git/git-server.ts';

describe('Repositories', () => {
  let server: GitServer;
  const repositories = new Repositories();
  let url: string;
  let source: string;
  let deploy: string;

  beforeAll(async () => {
    server = await startGitServer();
    await server.createRepo('app');
    url = server.daemonUrl('app');
    source = await server.push('app', { files: { 'src/app.ts': 'export const replicas = 3;\n' }, message: 'Raise web to 3 replicas\n\nBecause of the launch.' });
    deploy = await server.push('app', { files: { 'deploy/dev/app.yaml': 'kind: ConfigMap\n' }, message: `deploy: compile ${source.slice(0, 12)}\n\nSource-Commit: ${source}\n` });
  });

  afterAll(async () => {
    await repositories.close();
    await server?.teardown();
  });

  it("reads the source commit from the revision's trailer, fetching once per new commit", async () => {
    const found = await repositories.sourceCommit(url, `main@sha1:${deploy}`);
    expect(found).toMatchObject({ commit: source, subject: 'Raise web to 3 replicas', author: 'Strata Test' });
    expect(Date.parse(found?.time ?? '')).toBeGreaterThan(0);
    expect(repositories.knownSourceCommit(url, `main@sha1:${deploy}`)).toEqual(found);
    // The source commit is in the mirror already: a second revision naming it costs no fetch.
    expect(await repositories.sourceCommit(url, `main@sha1:${source}`)).toMatchObject({ commit: source });
    expect(repositories.stats.fetches).toBe(1);

    const plain = await server.push('app', { files: { 'deploy/dev/app.yaml': 'kind: Secret\n' }, message: 'Edit the YAML by hand' });
    expect(await repositories.sourceCommit(url, `main@sha1:${plain}`)).toMatchObject({ commit: plain, subject: 'Edit the YAML by hand' });
    expect(repositories.stats.fetches).toBe(2);
  });

  it('names a commit the repository does not have, and revisions without a commit have no source', async () => {
    await expect(repositories.sourceCommit(url, `main@sha1:${'0'.repeat(40)}`)).rejects.toThrow(/commit 000000000000 not found/);
    expect(await repositories.sourceCommit(url, 'main@sha1:0123456789abcdef')).toBeUndefined();
  });

  it("refuses ext:: URLs, so a Sync cannot make the UI run a command, even where the user's git config allows them", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'strata-ui-ext-'));
    const marker = path.join(dir, 'ran');
    Object.assign(process.env, { GIT_CONFIG_COUNT: '1', GIT_CONFIG_KEY_0: 'protocol.ext.allow', GIT_CONFIG_VALUE_0: 'always' });
    try {
      await expect(repositories.sourceCommit(`ext::sh -c touch% ${marker}`, `main@sha1:${'1'.repeat(40)}`)).rejects.toThrow();
      expect(existsSync(marker)).toBe(false);
    } finally {
      for (const key of ['GIT_CONFIG_COUNT', 'GIT_CONFIG_KEY_0', 'GIT_CONFIG_VALUE_0']) delete process.env[key];
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
