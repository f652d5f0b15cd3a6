/**
 * @internal The git CLI, run with `execFile` (never a shell): argv is passed as
 * given, so revisions, paths and messages from users cannot inject commands.
 * Credentials go through the environment as an `http.extraHeader`, never argv,
 * the URL or an error message.
 */
import { execFile, spawn } from 'node:child_process';
import { GitCommandError } from './errors.ts';

/** Basic-auth credentials for an HTTP(S) remote. */
export interface GitCredentials {
  readonly username: string;
  readonly password: string;
}

export interface GitIdentity {
  readonly name: string;
  readonly email: string;
}

export interface GitOptions {
  /** Sent as an `Authorization: Basic` header to HTTP(S) remotes. @default none */
  readonly credentials?: GitCredentials;
  /** Author and committer of new commits when the repository configures none. @default git's own configuration */
  readonly identity?: GitIdentity;
  /** Extra environment, e.g. `GIT_INDEX_FILE`. @default none */
  readonly env?: Readonly<Record<string, string>>;
  /** Kills a command running longer than this. @default 120_000 */
  readonly timeoutMs?: number;
}

export interface RunOptions {
  /** Written to the command's stdin. */
  readonly input?: string | Buffer;
  /** Extra environment for this command only. */
  readonly env?: Readonly<Record<string, string>>;
}

/** A git work tree (or bare repository) and how to run git in it. */
export class Git {
  private readonly env: NodeJS.ProcessEnv;
  private readonly timeoutMs: number;

  constructor(
    readonly dir: string,
    options: GitOptions = {},
  ) {
    const env: NodeJS.ProcessEnv = { ...process.env, GIT_TERMINAL_PROMPT: '0', GIT_ASKPASS: 'true', LC_ALL: 'C', ...options.env };
    if (options.credentials !== undefined) {
      const token = Buffer.from(`${options.credentials.username}:${options.credentials.password}`).toString('base64');
      Object.assign(env, { GIT_CONFIG_COUNT: '1', GIT_CONFIG_KEY_0: 'http.extraHeader', GIT_CONFIG_VALUE_0: `Authorization: Basic ${token}` });
    }
    if (options.identity !== undefined) {
      Object.assign(env, {
        GIT_AUTHOR_NAME: env.GIT_AUTHOR_NAME ?? options.identity.name,
        GIT_AUTHOR_EMAIL: env.GIT_AUTHOR_EMAIL ?? options.identity.email,
        GIT_COMMITTER_NAME: env.GIT_COMMITTER_NAME ?? options.identity.name,
        GIT_COMMITTER_EMAIL: env.GIT_COMMITTER_EMAIL ?? options.identity.email,
      });
    }
    this.env = env;
    this.timeoutMs = options.timeoutMs ?? 120_000;
  }

  /** Runs git and returns stdout with the trailing newline removed; throws GitCommandError with git's message. */
  async run(args: readonly string[], options: RunOptions = {}): Promise<string> {
    const { stdout } = await this.exec(args, options);
    return stdout.toString('utf8').replace(/\n$/, '');
  }

  /** Like `run`, but resolves to undefined when git exits non-zero. */
  async tryRun(args: readonly string[], options: RunOptions = {}): Promise<string | undefined> {
    try {
      return await this.run(args, options);
    } catch (error) {
      if (error instanceof GitCommandError) return undefined;
      throw error;
    }
  }

  /** Runs git and returns raw stdout (for `cat-file --batch`). */
  async runBuffer(args: readonly string[], options: RunOptions = {}): Promise<Buffer> {
    return (await this.exec(args, options)).stdout;
  }

  private exec(args: readonly string[], options: RunOptions): Promise<{ stdout: Buffer }> {
    const env = options.env ? { ...this.env, ...options.env } : this.env;
    if (options.input === undefined) {
      return new Promise((resolve, reject) => {
        execFile('git', [...args], { cwd: this.dir, env, encoding: 'buffer', maxBuffer: 256 * 1024 * 1024, timeout: this.timeoutMs }, (error, stdout, stderr) => {
          if (error === null) return resolve({ stdout });
          reject(new GitCommandError(args, this.dir, stderr.toString('utf8').trim() || error.message, { cause: error }));
        });
      });
    }
    return new Promise((resolve, reject) => {
      const child = spawn('git', [...args], { cwd: this.dir, env, stdio: ['pipe', 'pipe', 'pipe'], timeout: this.timeoutMs });
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
      child.stderr.on('data', (chunk: Buffer) => err.push(chunk));
      child.on('error', (error) => reject(new GitCommandError(args, this.dir, error.message, { cause: error })));
      child.on('close', (code) => {
        if (code === 0) return resolve({ stdout: Buffer.concat(out) });
        reject(new GitCommandError(args, this.dir, Buffer.concat(err).toString('utf8').trim() || `exit code ${code}`));
      });
      child.stdin.on('error', () => undefined);
      child.stdin.end(options.input);
    });
  }

  /**
   * Reads many blobs with one `git cat-file --batch`: `rev:path` → content, or
   * undefined when the path does not exist at that revision.
   */
  async readBlobs(specs: readonly string[]): Promise<Map<string, string | undefined>> {
    const result = new Map<string, string | undefined>();
    const unique = [...new Set(specs)];
    if (unique.length === 0) return result;
    const raw = await this.runBuffer(['cat-file', '--batch'], { input: `${unique.join('\n')}\n` });
    let offset = 0;
    for (const spec of unique) {
      const newline = raw.indexOf(0x0a, offset);
      const header = raw.subarray(offset, newline).toString('utf8');
      offset = newline + 1;
      const match = /^[0-9a-f]+ (\w+) (\d+)$/.exec(header);
      if (!match) {
        result.set(spec, undefined);
        continue;
      }
      const size = Number(match[2]);
      result.set(spec, match[1] === 'blob' ? raw.subarray(offset, offset + size).toString('utf8') : undefined);
      offset += size + 1;
    }
    return result;
  }
}
