/** Test helper: a throwaway local Git repository (bare remote + work tree) driven by the git CLI. */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

export class LocalRepo {
  readonly root = mkdtempSync(path.join(tmpdir(), 'strata-git-'));
  readonly bare = path.join(this.root, 'remote.git');
  readonly work = path.join(this.root, 'work');
  readonly url = `file://${this.bare}`;

  constructor(readonly branch = 'main') {
    this.git(this.root, 'init', '--bare', '--quiet', `--initial-branch=${branch}`, this.bare);
    this.git(this.root, 'init', '--quiet', `--initial-branch=${branch}`, this.work);
  }

  write(file: string, text: string): this {
    const full = path.join(this.work, file);
    mkdirSync(path.dirname(full), { recursive: true });
    writeFileSync(full, text);
    return this;
  }

  symlink(file: string, target: string): this {
    const full = path.join(this.work, file);
    mkdirSync(path.dirname(full), { recursive: true });
    symlinkSync(target, full);
    return this;
  }

  remove(file: string): this {
    rmSync(path.join(this.work, file), { recursive: true, force: true });
    return this;
  }

  /** Commits everything and pushes; returns the commit sha. */
  commit(message = 'change'): string {
    this.git(this.work, 'add', '-A');
    this.git(this.work, '-c', 'user.name=t', '-c', 'user.email=t@t', 'commit', '--quiet', '--allow-empty', '-m', message);
    this.git(this.work, 'push', '--quiet', '--force', this.bare, `HEAD:refs/heads/${this.branch}`);
    return this.head();
  }

  tag(name: string): this {
    this.git(this.work, 'tag', '-f', name);
    this.git(this.work, 'push', '--quiet', '--force', this.bare, `refs/tags/${name}`);
    return this;
  }

  head(): string {
    return this.git(this.work, 'rev-parse', 'HEAD').trim();
  }

  git(cwd: string, ...args: string[]): string {
    return execFileSync('git', args, { cwd, encoding: 'utf8', env: { ...process.env, GIT_CONFIG_NOSYSTEM: '1' } });
  }

  dispose(): void {
    rmSync(this.root, { recursive: true, force: true });
  }
}
