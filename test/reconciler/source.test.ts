import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseManifestFiles } from '../../src/manifest/index.ts';
import {
  FetchError,
  FileTooLargeError,
  GitSource,
  UnsafePathError,
  parseLsRemote,
  pickSemverTag,
  readSourceFiles,
} from '../../src/reconciler/source.ts';
import { commitOf, redactUrl } from '../../src/git/index.ts';
import { LocalRepo } from './_local-git.ts';

const configMap = (name: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n  namespace: default\ndata:\n  a: "1"\n`;

describe('semver ref resolution', () => {
  it('picks the highest tag in range, with or without a leading v', () => {
    const tags = ['v1.0.0', '1.2.0', 'v1.10.1', 'v2.0.0', 'latest', 'v1.11.0-rc.1'];
    expect(pickSemverTag(tags, '^1.0.0')).toBe('v1.10.1');
    expect(pickSemverTag(tags, '>=2')).toBe('v2.0.0');
    expect(pickSemverTag(tags, '~1.2')).toBe('1.2.0');
    expect(pickSemverTag(tags, '^3')).toBeUndefined();
  });

  it('parses ls-remote output, preferring peeled tags', () => {
    const refs = parseLsRemote(`${'a'.repeat(40)}\trefs/tags/v1\n${'b'.repeat(40)}\trefs/tags/v1^{}\n${'c'.repeat(40)}\trefs/heads/main\n`);
    expect(refs.get('refs/tags/v1')).toBe('b'.repeat(40));
    expect(refs.get('refs/heads/main')).toBe('c'.repeat(40));
  });
});

describe('redaction', () => {
  it('removes credentials from URLs', () => {
    expect(redactUrl('https://user:s3cret@git.example.com/repo.git')).toBe('https://***@git.example.com/repo.git');
    expect(redactUrl('https://git.example.com/repo.git')).toBe('https://git.example.com/repo.git');
  });
});

describe('GitSource', () => {
  let repo: LocalRepo;
  let source: GitSource;
  beforeEach(() => {
    repo = new LocalRepo();
    source = new GitSource();
  });
  afterEach(async () => {
    await source.close();
    repo.dispose();
  });

  it('fetches a branch with revision branch@sha1:<hash> and skips when the head has not moved', async () => {
    const sha = repo.write('deploy/a.yaml', configMap('a')).commit();
    const first = await source.fetch({ url: repo.url, ref: { branch: 'main' } });
    expect(first.revision).toBe(`main@sha1:${sha}`);
    expect(commitOf(first.revision)).toBe(sha);
    expect(first.cached).toBe(false);
    const second = await source.fetch({ url: repo.url, ref: { branch: 'main' } });
    expect(second.cached).toBe(true);
    expect(source.stats.fetches).toBe(1);
    const files = await readSourceFiles(first.dir, 'deploy');
    expect(files.map((file) => file.path)).toEqual(['a.yaml']);
  });

  it('shares one fetch between concurrent requests for the same URL and ref', async () => {
    repo.write('a.yaml', configMap('a')).commit();
    const results = await Promise.all(Array.from({ length: 10 }, () => source.fetch({ url: repo.url, ref: { branch: 'main' } })));
    expect(new Set(results.map((result) => result.dir)).size).toBe(1);
    expect(source.stats.fetches).toBe(1);
  });

  it('follows a force-pushed branch', async () => {
    repo.write('a.yaml', configMap('a')).commit();
    const before = await source.fetch({ url: repo.url, ref: { branch: 'main' } });
    repo.git(repo.work, 'reset', '--quiet', '--hard', 'HEAD');
    repo.write('a.yaml', configMap('b'));
    repo.git(repo.work, 'add', '-A');
    repo.git(repo.work, '-c', 'user.name=t', '-c', 'user.email=t@t', 'commit', '--quiet', '--amend', '-m', 'rewritten');
    repo.git(repo.work, 'push', '--quiet', '--force', repo.bare, 'HEAD:refs/heads/main');
    const after = await source.fetch({ url: repo.url, ref: { branch: 'main' } });
    expect(after.commit).toBe(repo.head());
    expect(after.commit).not.toBe(before.commit);
  });

  it('resolves tags, semver ranges and commits', async () => {
    const v1 = repo.write('a.yaml', configMap('a')).commit();
    repo.tag('v1.0.0');
    const v11 = repo.write('a.yaml', configMap('b')).commit();
    repo.tag('v1.1.0');
    repo.write('a.yaml', configMap('c')).commit();
    repo.tag('v2.0.0');
    expect((await source.fetch({ url: repo.url, ref: { tag: 'v1.0.0' } })).revision).toBe(`v1.0.0@sha1:${v1}`);
    expect((await source.fetch({ url: repo.url, ref: { semver: '^1.0.0' } })).revision).toBe(`v1.1.0@sha1:${v11}`);
    expect((await source.fetch({ url: repo.url, ref: { commit: v1 } })).revision).toBe(`sha1:${v1}`);
  });

  it('names the missing ref and never shows credentials', async () => {
    repo.write('a.yaml', configMap('a')).commit();
    await expect(source.fetch({ url: repo.url, ref: { branch: 'nope' } })).rejects.toThrow(/branch "nope" not found/);
    const error = await source
      .fetch({ url: 'http://user:hunter2@127.0.0.1:9/repo.git', ref: { branch: 'main' }, auth: { kind: 'basic', username: 'user', password: 'hunter2' } })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(FetchError);
    expect(String((error as Error).message)).not.toContain('hunter2');
  });

  it("keeps git's first error line (the cause), not only its closing advice", async () => {
    const missing = path.join(tmpdir(), `strata-missing-${process.pid}-${Date.now()}`);
    const error = (await source.fetch({ url: `file://${missing}`, ref: { branch: 'main' } }).catch((caught: unknown) => caught)) as Error;
    expect(error).toBeInstanceOf(FetchError);
    // git says: fatal: '<path>' does not appear to be a git repository / fatal: Could not read from remote
    // repository. / (blank) / Please make sure you have the correct access rights / and the repository exists.
    expect(error.message).toContain(`'${missing}' does not appear to be a git repository`);
    expect(error.message).toContain('Please make sure you have the correct access rights and the repository exists.');
  });
});

describe('readSourceFiles safety', () => {
  let repo: LocalRepo;
  let source: GitSource;
  let outside: string;
  beforeEach(() => {
    repo = new LocalRepo();
    source = new GitSource();
    outside = mkdtempSync(path.join(tmpdir(), 'strata-outside-'));
    writeFileSync(path.join(outside, 'secret.yaml'), configMap('stolen'));
  });
  afterEach(async () => {
    await source.close();
    repo.dispose();
    rmSync(outside, { recursive: true, force: true });
  });

  it('refuses a path with .. that leaves the checkout', async () => {
    repo.write('deploy/a.yaml', configMap('a')).commit();
    const artifact = await source.fetch({ url: repo.url, ref: { branch: 'main' } });
    await expect(readSourceFiles(artifact.dir, '../..')).rejects.toThrow(UnsafePathError);
    await expect(readSourceFiles(artifact.dir, 'deploy/../../x')).rejects.toThrow(/leaves the repository checkout/);
    await expect(readSourceFiles(artifact.dir, '/etc')).rejects.toThrow(/leaves the repository checkout/);
  });

  it('refuses symlinks pointing outside, follows those inside', async () => {
    repo
      .write('deploy/a.yaml', configMap('a'))
      .write('shared/b.yaml', configMap('b'))
      .symlink('deploy/b.yaml', '../shared/b.yaml')
      .symlink('deploy/evil.yaml', path.join(outside, 'secret.yaml'))
      .commit();
    const artifact = await source.fetch({ url: repo.url, ref: { branch: 'main' } });
    await expect(readSourceFiles(artifact.dir, 'deploy')).rejects.toThrow(/deploy\/evil.yaml: symlink points outside the repository checkout/);
    repo.remove('deploy/evil.yaml').symlink('linked', outside).commit();
    const next = await source.fetch({ url: repo.url, ref: { branch: 'main' } });
    const files = await readSourceFiles(next.dir, 'deploy');
    expect(files.map((file) => file.path)).toEqual(['a.yaml', 'b.yaml']);
    await expect(readSourceFiles(next.dir, 'linked')).rejects.toThrow(/symlink pointing outside/);
  });

  it('refuses files over the size cap', async () => {
    repo.write('deploy/big.yaml', `# ${'x'.repeat(4096)}\n${configMap('a')}`).commit();
    const artifact = await source.fetch({ url: repo.url, ref: { branch: 'main' } });
    const error = await readSourceFiles(artifact.dir, 'deploy', { maxFileBytes: 1024 }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(FileTooLargeError);
    expect((error as Error).message).toMatch(/deploy\/big.yaml: \d+ bytes is over the limit of 1024 bytes/);
  });

  it('lets the parser refuse YAML alias bombs', async () => {
    const bomb = ['a: &a ["x","x","x","x","x","x","x","x","x"]', 'b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]', 'c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]', 'd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]', 'apiVersion: v1', 'kind: ConfigMap', 'metadata: {name: bomb}', ''].join('\n');
    repo.write('deploy/bomb.yaml', bomb).commit();
    const artifact = await source.fetch({ url: repo.url, ref: { branch: 'main' } });
    const files = await readSourceFiles(artifact.dir, 'deploy');
    expect(() => parseManifestFiles(files)).toThrow(/bomb.yaml: .*[Aa]lias/);
  });
});

describe('GitSource against the test Git server (smart HTTP with basic auth, git daemon)', () => {
  it('fetches with credentials from the Secret, refuses wrong ones without showing them, and reads git://', async () => {
    const { startGitServer } = await import('../git/git-server.ts');
    const server = await startGitServer();
    const source = new GitSource();
    let other: GitSource | undefined;
    try {
      await server.createRepo('auth');
      const sha = await server.push('auth', { files: { 'a.yaml': configMap('a') } });
      const url = server.httpUrl('auth', { auth: false });
      const { username, password } = server.credentials;
      const artifact = await source.fetch({ url, ref: { branch: 'main' }, auth: { kind: 'basic', username, password } });
      expect(artifact.revision).toBe(`main@sha1:${sha}`);
      other = new GitSource();
      const denied = await other.fetch({ url, ref: { branch: 'main' }, auth: { kind: 'basic', username, password: 'wrong-password-123' } }).then(() => new Error('fetched'), (error: unknown) => error as Error);
      expect(denied).toBeInstanceOf(FetchError);
      expect(denied.message).toMatch(/ls-remote failed/);
      expect(denied.message).not.toContain('wrong-password-123');
      const anonymous = await other.fetch({ url, ref: { branch: 'main' } }).then(() => new Error('fetched'), (error: unknown) => error as Error);
      expect(anonymous).toBeInstanceOf(FetchError);
      const daemon = await source.fetch({ url: server.daemonUrl('auth'), ref: { commit: sha } });
      expect(daemon.revision).toBe(`sha1:${sha}`);
    } finally {
      await source.close();
      await other?.close();
      await server.teardown();
    }
  });
});
