/**
 * @internal The few git commands image automation needs, run with `execFile`.
 * Credentials go through the environment (an `http.extraHeader`), never argv,
 * the URL or an error message. Never force-pushes.
 */
import { execFile } from 'node:child_process';
import { ImageGitError } from './errors.ts';

export interface GitIdentity {
  readonly name: string;
  readonly email: string;
}

export interface GitCredentials {
  readonly username: string;
  readonly password: string;
}

/** @default identity of commits when the repository has none configured. */
export const DEFAULT_IDENTITY: GitIdentity = { name: 'Strata image automation', email: 'image-automation@strata.invalid' };

export class Git {
  private readonly env: NodeJS.ProcessEnv;

  constructor(
    /** The work tree. */
    readonly dir: string,
    options: { readonly credentials?: GitCredentials; readonly identity?: GitIdentity; readonly label?: string } = {},
  ) {
    const env: NodeJS.ProcessEnv = { ...process.env, GIT_TERMINAL_PROMPT: '0', GIT_ASKPASS: 'true', LC_ALL: 'C' };
    if (options.credentials !== undefined) {
      const token = Buffer.from(`${options.credentials.username}:${options.credentials.password}`).toString('base64');
      Object.assign(env, { GIT_CONFIG_COUNT: '1', GIT_CONFIG_KEY_0: 'http.extraHeader', GIT_CONFIG_VALUE_0: `Authorization: Basic ${token}` });
    }
    if (options.identity !== undefined) {
      Object.assign(env, {
        GIT_AUTHOR_NAME: options.identity.name,
        GIT_AUTHOR_EMAIL: options.identity.email,
        GIT_COMMITTER_NAME: options.identity.name,
        GIT_COMMITTER_EMAIL: options.identity.email,
      });
    }
    this.env = env;
    this.label = options.label ?? dir;
  }

  private readonly label: string;

  /** Runs git; throws an ImageGitError with git's own message (credentials never appear in it). */
  run(args: readonly string[]): Promise<string> {
    return new Promise((resolve, reject) => {
      execFile('git', [...args], { cwd: this.dir, env: this.env, maxBuffer: 64 * 1024 * 1024, timeout: 120_000 }, (error, stdout, stderr) => {
        if (error === null) return resolve(stdout.trim());
        const detail = (stderr.trim() || error.message).split('\n').slice(-6).join('\n');
        reject(new ImageGitError(this.label, `git ${args[0]} failed: ${detail}`, { cause: error }));
      });
    });
  }

  /** Like `run`, but resolves to undefined instead of throwing. */
  async try(args: readonly string[]): Promise<string | undefined> {
    try {
      return await this.run(args);
    } catch {
      return undefined;
    }
  }

  /** True when the work tree is inside a git repository. */
  async isRepository(): Promise<boolean> {
    return (await this.try(['rev-parse', '--is-inside-work-tree'])) === 'true';
  }

  /** The identity flags for a commit when neither the repo nor the environment has one. */
  async identityArgs(): Promise<string[]> {
    if (this.env.GIT_AUTHOR_EMAIL !== undefined) return [];
    const email = await this.try(['config', 'user.email']);
    if (email !== undefined && email !== '') return [];
    return ['-c', `user.name=${DEFAULT_IDENTITY.name}`, '-c', `user.email=${DEFAULT_IDENTITY.email}`];
  }

  /** Stages `paths` (additions and deletions) and commits only them; returns the new commit. */
  async commitPaths(paths: readonly string[], message: string): Promise<string> {
    await this.run(['add', '-A', '--', ...paths]);
    await this.run([...(await this.identityArgs()), 'commit', '--quiet', '--no-verify', '-m', message, '--', ...paths]);
    return this.run(['rev-parse', 'HEAD']);
  }

  /** Paths among `paths` that differ from HEAD (tracked changes and new files). */
  async changedPaths(paths: readonly string[]): Promise<string[]> {
    const status = await this.run(['status', '--porcelain', '--untracked-files=all', '--', ...paths]);
    return status === '' ? [] : status.split('\n').map((line) => line.slice(3));
  }
}

/** `https://user:pass@host/x.git` → `https://host/x.git`, for messages. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    parsed.username = '';
    parsed.password = '';
    return parsed.href;
  } catch {
    return url.replace(/\/\/[^@/]*@/, '//');
  }
}
