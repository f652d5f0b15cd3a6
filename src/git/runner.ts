/**
 * The one git runner: the git CLI, run with `execFile` (never a shell), so revisions,
 * paths and messages from users cannot inject commands. Credentials go through the
 * environment (credentials.ts), never argv, the URL or an error message; git's
 * messages are redacted before they reach an error.
 */
import { execFile, spawn } from 'node:child_process';
import { tmpdir } from 'node:os';
import { credentialEnv, type GitCredentials, type GitIdentity } from './credentials.ts';
import { GitCommandError } from './errors.ts';
import { redactText } from './redact.ts';

export interface GitOptions {
  /** Sent as an `Authorization: Basic` header to HTTP(S) remotes. @default none */
  readonly credentials?: GitCredentials;
  /** Author and committer of new commits when neither the environment nor the repository names one. @default git's own configuration */
  readonly identity?: GitIdentity;
  /** Extra environment, e.g. `GIT_INDEX_FILE` (it wins over the process's). @default none */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /**
   * Start from this process's environment; `false` gives git only PATH and HOME, and
   * ignores the system configuration (the agent: nothing of the host leaks into a fetch).
   * @default true
   */
  readonly inheritEnv?: boolean;
  /** Kills a command running longer than this. @default 120_000 */
  readonly timeoutMs?: number;
  /** The git executable. @default 'git' */
  readonly executable?: string;
  /** Names the repository in errors (e.g. a remote URL without credentials). @default the work tree */
  readonly label?: string;
  /** Turns the runner's error into the caller's own (e.g. a fetch or image automation error); tryRun is unaffected. @default as is */
  readonly wrapError?: (error: GitCommandError) => Error;
}

export interface RunOptions {
  /** Written to the command's stdin. */
  readonly input?: string | Buffer;
  /** Extra environment for this command only. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Kills the command when it aborts. */
  readonly signal?: AbortSignal;
}

export const DEFAULT_GIT_OPTIONS = { inheritEnv: true, timeoutMs: 120_000, executable: 'git' } as const;

/** A git work tree (or bare repository) and how to run git in it. */
export class Git {
  private readonly env: NodeJS.ProcessEnv;
  private readonly timeoutMs: number;
  private readonly executable: string;
  private readonly label: string;
  private readonly wrapError: ((error: GitCommandError) => Error) | undefined;

  constructor(
    readonly dir: string,
    options: GitOptions = {},
  ) {
    const base: NodeJS.ProcessEnv =
      options.inheritEnv ?? DEFAULT_GIT_OPTIONS.inheritEnv ? { ...process.env } : { PATH: process.env.PATH, HOME: process.env.HOME ?? tmpdir(), GIT_CONFIG_NOSYSTEM: '1', SSH_ASKPASS: 'true' };
    const env: NodeJS.ProcessEnv = { ...base, GIT_TERMINAL_PROMPT: '0', GIT_ASKPASS: 'true', LC_ALL: 'C', ...options.env };
    if (options.credentials !== undefined) Object.assign(env, credentialEnv(options.credentials));
    if (options.identity !== undefined) {
      Object.assign(env, {
        GIT_AUTHOR_NAME: env.GIT_AUTHOR_NAME ?? options.identity.name,
        GIT_AUTHOR_EMAIL: env.GIT_AUTHOR_EMAIL ?? options.identity.email,
        GIT_COMMITTER_NAME: env.GIT_COMMITTER_NAME ?? options.identity.name,
        GIT_COMMITTER_EMAIL: env.GIT_COMMITTER_EMAIL ?? options.identity.email,
      });
    }
    this.env = env;
    this.timeoutMs = options.timeoutMs ?? DEFAULT_GIT_OPTIONS.timeoutMs;
    this.executable = options.executable ?? DEFAULT_GIT_OPTIONS.executable;
    this.label = options.label ?? dir;
    this.wrapError = options.wrapError;
  }

  /** Runs git and returns stdout with the trailing newline removed; throws GitCommandError (or the wrapped error) with git's message. */
  async run(args: readonly string[], options: RunOptions = {}): Promise<string> {
    return (await this.runBuffer(args, options)).toString('utf8').replace(/\n$/, '');
  }

  /** Like `run`, but resolves to undefined when git fails. */
  async tryRun(args: readonly string[], options: RunOptions = {}): Promise<string | undefined> {
    try {
      return (await this.exec(args, options)).stdout.toString('utf8').replace(/\n$/, '');
    } catch (error) {
      if (error instanceof GitCommandError) return undefined;
      throw error;
    }
  }

  /** Runs git and returns raw stdout (for `cat-file --batch`). */
  async runBuffer(args: readonly string[], options: RunOptions = {}): Promise<Buffer> {
    try {
      return (await this.exec(args, options)).stdout;
    } catch (error) {
      throw error instanceof GitCommandError && this.wrapError ? this.wrapError(error) : error;
    }
  }

  private exec(args: readonly string[], options: RunOptions): Promise<{ stdout: Buffer }> {
    const env = options.env ? { ...this.env, ...options.env } : this.env;
    const fail = (stderr: string, cause?: unknown): GitCommandError => new GitCommandError(args, this.label, redactText(stderr), cause === undefined ? undefined : { cause });
    if (options.input === undefined) {
      return new Promise((resolve, reject) => {
        execFile(this.executable, [...args], { cwd: this.dir, env, encoding: 'buffer', maxBuffer: 256 * 1024 * 1024, timeout: this.timeoutMs, signal: options.signal }, (error, stdout, stderr) => {
          if (error === null) return resolve({ stdout });
          reject(fail(stderr.toString('utf8').trim() || error.message, error));
        });
      });
    }
    return new Promise((resolve, reject) => {
      const child = spawn(this.executable, [...args], { cwd: this.dir, env, stdio: ['pipe', 'pipe', 'pipe'], timeout: this.timeoutMs, signal: options.signal });
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
      child.stderr.on('data', (chunk: Buffer) => err.push(chunk));
      child.on('error', (error) => reject(fail(error.message, error)));
      child.on('close', (code) => {
        if (code === 0) return resolve({ stdout: Buffer.concat(out) });
        reject(fail(Buffer.concat(err).toString('utf8').trim() || `exit code ${code}`));
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
