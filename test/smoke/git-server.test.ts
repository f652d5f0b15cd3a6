// The test Git server: smart HTTP with basic auth, git daemon, force-push, branch deletion and
// an outage, seen by a real git client.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { git, startGitServer, type GitServer } from '../git/git-server.ts';

let server: GitServer;
let work: string;

beforeAll(async () => {
  server = await startGitServer();
  work = mkdtempSync(join(tmpdir(), 'strata-git-client-'));
  await server.createRepo('fleet');
  await server.push('fleet', { files: { 'deploy/prod/app.yaml': 'replicas: 1\n', 'README.md': '# fleet\n' }, message: 'first' });
});
afterAll(async () => {
  await server?.teardown();
  if (work) rmSync(work, { recursive: true, force: true });
});

const clone = async (url: string, dir: string): Promise<string> => {
  await git(['clone', '-q', url, join(work, dir)], work);
  return join(work, dir);
};

describe('git server', () => {
  it('serves clones over HTTP with basic auth, and refuses them without', async () => {
    const infoRefs = `${server.httpUrl('fleet', { auth: false })}/info/refs?service=git-upload-pack`;
    expect((await fetch(infoRefs)).status).toBe(401);
    const dir = await clone(server.httpUrl('fleet'), 'http');
    expect(readFileSync(join(dir, 'deploy/prod/app.yaml'), 'utf8')).toBe('replicas: 1\n');
    await expect(clone(server.httpUrl('fleet', { auth: false }), 'anon')).rejects.toThrow(/401|Authentication failed|could not read Username/);
    const wrong = server.httpUrl('fleet').replace(`:${server.credentials.password}@`, ':wrong@');
    await expect(clone(wrong, 'wrong')).rejects.toThrow(/401|Authentication failed/);
  });

  it('serves clones through git daemon', async () => {
    const dir = await clone(server.daemonUrl('fleet'), 'daemon');
    expect(readFileSync(join(dir, 'README.md'), 'utf8')).toBe('# fleet\n');
  });

  it('accepts pushes from a client over HTTP', async () => {
    const dir = await clone(server.httpUrl('fleet'), 'pusher');
    await git(['checkout', '-q', '-b', 'feature'], dir);
    await git(['commit', '-q', '--allow-empty', '-m', 'from client'], dir);
    await git(['push', '-q', 'origin', 'feature'], dir);
    expect(await server.revParse('fleet', 'refs/heads/feature')).toBe(await git(['rev-parse', 'HEAD'], dir));
  });

  it('shows a force-push and a deleted branch to fetching clients', async () => {
    const dir = await clone(server.httpUrl('fleet'), 'follower');
    const second = await server.push('fleet', { files: { 'deploy/prod/app.yaml': 'replicas: 2\n' }, message: 'second' });
    await git(['fetch', '-q', 'origin'], dir);
    expect(await git(['rev-parse', 'origin/main'], dir)).toBe(second);

    const rewritten = await server.forcePush('fleet', { files: { 'deploy/prod/app.yaml': 'replicas: 3\n' }, message: 'rewritten' });
    await git(['fetch', '-q', 'origin'], dir);
    expect(await git(['rev-parse', 'origin/main'], dir)).toBe(rewritten);
    expect(await git(['merge-base', '--is-ancestor', second, 'origin/main'], dir).then(() => true, () => false)).toBe(false);
    expect(await git(['show', 'origin/main:deploy/prod/app.yaml'], dir)).toBe('replicas: 3');

    await server.push('fleet', { branch: 'old', files: { 'x.txt': 'x\n' } });
    await git(['fetch', '-q', 'origin'], dir);
    expect(await git(['branch', '-r'], dir)).toContain('origin/old');
    await server.deleteBranch('fleet', 'old');
    await git(['fetch', '-q', '--prune', 'origin'], dir);
    expect(await git(['branch', '-r'], dir)).not.toContain('origin/old');

    const sha = await server.tag('fleet', 'v1.0.0');
    expect(await git(['ls-remote', '--tags', 'origin'], dir)).toContain(`${sha}\trefs/tags/v1.0.0`);
  });

  it('makes fetches fail during an outage, and work again after it', async () => {
    const dir = await clone(server.httpUrl('fleet'), 'outage');
    await server.stop();
    expect(server.running).toBe(false);
    const during = await server.push('fleet', { files: { 'during.txt': 'pushed during the outage\n' } });
    await expect(git(['fetch', '-q', 'origin'], dir)).rejects.toThrow(/Failed to connect|Connection refused|Could not resolve|unable to access/);
    await expect(clone(server.daemonUrl('fleet'), 'outage-daemon')).rejects.toThrow();
    await server.start();
    await git(['fetch', '-q', 'origin'], dir);
    expect(await git(['rev-parse', 'origin/main'], dir)).toBe(during);
  });
});
