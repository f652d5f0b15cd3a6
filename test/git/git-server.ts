// A Git server for tests: bare repositories under a temporary directory, served over smart
// HTTP (`git http-backend` as CGI behind a small Node server with basic auth) and by
// `git daemon`, both on 127.0.0.1. Commits are pushed from a work tree straight into the bare
// repository, so they can be made while the server is stopped (an outage).
import { execFile, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { freePorts, isListening } from '../cluster/ports.ts';
import { ProcessRegistry, startProcess, type ManagedProcess } from '../cluster/process.ts';

const execFileAsync = promisify(execFile);

/** Options of {@link startGitServer}. */
export interface GitServerProps {
  /**
   * Basic-auth user of the HTTP server.
   * @default 'strata'
   */
  readonly username?: string;
  /**
   * Basic-auth password of the HTTP server.
   * @default random
   */
  readonly password?: string;
  /**
   * Parent of the server's temporary directory.
   * @default os.tmpdir()
   */
  readonly tmpRoot?: string;
}

/** One commit pushed by {@link GitServer.push} or {@link GitServer.forcePush}. */
export interface CommitProps {
  /**
   * Branch to commit to; created when absent.
   * @default 'main'
   */
  readonly branch?: string;
  /** Files to write (path → content), relative to the repository root; `null` deletes. */
  readonly files: Readonly<Record<string, string | null>>;
  /**
   * Remove every file of the parent commit first, so the commit holds only `files`.
   * @default false
   */
  readonly replaceAll?: boolean;
  /**
   * Commit message.
   * @default 'test commit'
   */
  readonly message?: string;
  /**
   * Sign the commit (`git commit -S`) with this git configuration (`gpg.format`,
   * `user.signingkey`) and environment (`GNUPGHOME`): test/git/_signing.ts makes both.
   * @default unsigned
   */
  readonly sign?: { readonly config: Readonly<Record<string, string>>; readonly env?: Readonly<Record<string, string>> };
}

/** Options of {@link GitServer.forcePush}. */
export interface ForcePushProps extends CommitProps {
  /**
   * Commit to build on instead of the branch tip.
   * @default the parent of the branch tip (the tip is rewritten); an orphan commit if it has none
   */
  readonly onto?: string;
}

/** A running Git server. */
export interface GitServer {
  /** Folder of the bare repositories (`<name>.git`). */
  readonly reposDir: string;
  readonly credentials: { readonly username: string; readonly password: string };
  readonly httpPort: number;
  readonly daemonPort: number;
  /** True between start and stop. */
  readonly running: boolean;
  /** Creates an empty bare repository `<name>.git` whose HEAD is `defaultBranch`. */
  createRepo(name: string, options?: { readonly defaultBranch?: string }): Promise<void>;
  /** http://127.0.0.1:<port>/<name>.git, with `user:password@` unless `auth` is false. */
  httpUrl(name: string, options?: { readonly auth?: boolean }): string;
  /** git://127.0.0.1:<port>/<name>.git */
  daemonUrl(name: string): string;
  /** Commits on top of the branch tip and pushes; returns the new commit id. */
  push(name: string, props: CommitProps): Promise<string>;
  /** Commits on `onto` (default: the tip's parent) and force-pushes; returns the new commit id. */
  forcePush(name: string, props: ForcePushProps): Promise<string>;
  /** Deletes a branch. */
  deleteBranch(name: string, branch: string): Promise<void>;
  /** Points a tag at a commit (default: the tip of `main`), moving it if it exists. */
  tag(name: string, tag: string, target?: string): Promise<string>;
  /** Commit id of a ref (`main`, `refs/tags/v1`, ...), or undefined when it does not exist. */
  revParse(name: string, ref: string): Promise<string | undefined>;
  /** Closes both servers (HTTP connections are cut): fetches fail until {@link start}. */
  stop(): Promise<void>;
  /** Serves again on the same ports. */
  start(): Promise<void>;
  /** Stops the servers and removes every repository. */
  teardown(): Promise<void>;
}

const GIT_ENV: Readonly<Record<string, string>> = {
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_CONFIG_GLOBAL: '/dev/null',
  GIT_AUTHOR_NAME: 'Strata Test',
  GIT_AUTHOR_EMAIL: 'test@strata.invalid',
  GIT_COMMITTER_NAME: 'Strata Test',
  GIT_COMMITTER_EMAIL: 'test@strata.invalid',
  GIT_TERMINAL_PROMPT: '0',
};

/**
 * Fails with what to install when git, `git http-backend` or `git daemon` is missing (the test
 * run's global setup calls it first, so no test fails half-way on it). Debian's `git` has all three.
 */
export function assertGitTools(): void {
  const execPath = spawnSync('git', ['--exec-path'], { encoding: 'utf8' });
  const missing =
    execPath.status !== 0 ? ['git'] : ['git-http-backend', 'git-daemon'].filter((name) => !existsSync(join(execPath.stdout.trim(), name)));
  if (missing.length > 0) {
    throw new Error(`the test Git server needs ${missing.join(' and ')}: install git (e.g. \`apt-get install -y git\`; Debian's package includes http-backend and daemon)`);
  }
}

/** Runs git with a config free of the user's settings; returns trimmed stdout. */
export async function git(args: readonly string[], cwd: string, env: Readonly<Record<string, string>> = {}): Promise<string> {
  try {
    const { stdout } = await execFileAsync('git', ['-c', 'commit.gpgsign=false', '-c', 'init.defaultBranch=main', ...args], {
      cwd,
      env: { ...process.env, ...GIT_ENV, ...env },
      maxBuffer: 64 * 1024 * 1024,
    });
    return stdout.trim();
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new Error(`git ${args.join(' ')} (in ${cwd}): ${e.stderr?.trim() || e.message}`, { cause: err });
  }
}

class LocalGitServer implements GitServer {
  readonly reposDir: string;
  readonly credentials: { readonly username: string; readonly password: string };
  httpPort = 0;
  daemonPort = 0;
  private readonly dir: string;
  private readonly registry: ProcessRegistry;
  private http: Server | undefined;
  private daemon: ManagedProcess | undefined;

  constructor(props: GitServerProps) {
    this.dir = mkdtempSync(join(props.tmpRoot ?? tmpdir(), 'strata-git-'));
    this.reposDir = join(this.dir, 'repos');
    for (const sub of ['repos', 'work', 'logs']) mkdirSync(join(this.dir, sub));
    this.credentials = {
      username: props.username ?? 'strata',
      password: props.password ?? randomBytes(12).toString('hex'),
    };
    this.registry = new ProcessRegistry(this.dir, true);
  }

  get running(): boolean {
    return this.http !== undefined;
  }

  async start(): Promise<void> {
    if (this.running) return;
    if (this.httpPort === 0) [this.httpPort, this.daemonPort] = (await freePorts(2)) as [number, number];
    const server = createServer((req, res) => this.handle(req, res));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ host: '127.0.0.1', port: this.httpPort }, () => resolve());
    });
    this.http = server;
    this.daemon = startProcess({
      name: 'git-daemon',
      command: 'git',
      args: [
        'daemon',
        '--reuseaddr',
        '--listen=127.0.0.1',
        `--port=${this.daemonPort}`,
        `--base-path=${this.reposDir}`,
        '--export-all',
        '--enable=receive-pack',
        '--informative-errors',
        this.reposDir,
      ],
      logFile: join(this.dir, 'logs', 'git-daemon.log'),
      env: GIT_ENV,
      registry: this.registry,
    });
    const deadline = Date.now() + 10_000;
    while (!(await isListening(this.daemonPort))) {
      if (!this.daemon.running || Date.now() > deadline) {
        throw new Error(`git daemon did not start (${this.daemon.describeExit()}):\n${this.daemon.logTail()}`);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  async stop(): Promise<void> {
    const server = this.http;
    this.http = undefined;
    if (server) {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
    await this.daemon?.stop(2000);
    this.daemon = undefined;
  }

  async teardown(): Promise<void> {
    await this.stop();
    this.registry.close();
    rmSync(this.dir, { recursive: true, force: true });
  }

  private authorized(req: IncomingMessage): boolean {
    const header = req.headers.authorization ?? '';
    const m = /^Basic\s+(.+)$/i.exec(header);
    if (!m?.[1]) return false;
    const [user, ...rest] = Buffer.from(m[1], 'base64').toString('utf8').split(':');
    return user === this.credentials.username && rest.join(':') === this.credentials.password;
  }

  /** Runs `git http-backend` as a CGI script for one request. */
  private handle(req: IncomingMessage, res: ServerResponse): void {
    if (!this.authorized(req)) {
      res.writeHead(401, { 'WWW-Authenticate': 'Basic realm="strata-test-git"', 'Content-Type': 'text/plain' });
      res.end('authentication required\n');
      req.resume();
      return;
    }
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const env: Record<string, string> = {
      ...GIT_ENV,
      PATH: process.env['PATH'] ?? '/usr/bin:/bin',
      GIT_PROJECT_ROOT: this.reposDir,
      GIT_HTTP_EXPORT_ALL: '1',
      GATEWAY_INTERFACE: 'CGI/1.1',
      REQUEST_METHOD: req.method ?? 'GET',
      PATH_INFO: decodeURIComponent(url.pathname),
      QUERY_STRING: url.search.replace(/^\?/, ''),
      REMOTE_USER: this.credentials.username,
      REMOTE_ADDR: req.socket.remoteAddress ?? '127.0.0.1',
      CONTENT_TYPE: req.headers['content-type'] ?? '',
    };
    if (req.headers['content-length']) env['CONTENT_LENGTH'] = req.headers['content-length'];
    if (req.headers['content-encoding']) env['HTTP_CONTENT_ENCODING'] = req.headers['content-encoding'];
    const protocol = req.headers['git-protocol'];
    if (typeof protocol === 'string') env['GIT_PROTOCOL'] = protocol;
    const cgi = spawn('git', ['http-backend'], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stderr = '';
    cgi.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    req.pipe(cgi.stdin);
    cgi.stdin.on('error', () => {});
    let head = Buffer.alloc(0);
    let headersSent = false;
    cgi.stdout.on('data', (chunk: Buffer) => {
      if (headersSent) {
        res.write(chunk);
        return;
      }
      head = Buffer.concat([head, chunk]);
      const crlf = head.indexOf('\r\n\r\n');
      const lf = head.indexOf('\n\n');
      const end = crlf >= 0 && (lf < 0 || crlf < lf) ? crlf + 4 : lf >= 0 ? lf + 2 : -1;
      if (end < 0) return;
      let status = 200;
      const headers: Record<string, string> = {};
      for (const line of head.subarray(0, end).toString('utf8').split(/\r?\n/)) {
        const i = line.indexOf(':');
        if (i <= 0) continue;
        const key = line.slice(0, i).trim();
        const value = line.slice(i + 1).trim();
        if (key.toLowerCase() === 'status') status = Number.parseInt(value, 10) || 200;
        else headers[key] = value;
      }
      res.writeHead(status, headers);
      headersSent = true;
      res.write(head.subarray(end));
    });
    cgi.on('close', (code) => {
      if (!headersSent) {
        res.writeHead(500, { 'Content-Type': 'text/plain' });
        res.end(`git http-backend exited with ${code}: ${stderr}`);
        return;
      }
      res.end();
    });
    res.on('close', () => {
      if (cgi.exitCode === null) cgi.kill('SIGKILL');
    });
  }

  private bare(name: string): string {
    return join(this.reposDir, `${name}.git`);
  }

  async createRepo(name: string, options: { readonly defaultBranch?: string } = {}): Promise<void> {
    const branch = options.defaultBranch ?? 'main';
    mkdirSync(dirname(this.bare(name)), { recursive: true });
    await git(['init', '--bare', `--initial-branch=${branch}`, this.bare(name)], this.dir);
    await git(['config', 'http.receivepack', 'true'], this.bare(name));
    await git(['config', 'uploadpack.allowAnySHA1InWant', 'true'], this.bare(name));
  }

  httpUrl(name: string, options: { readonly auth?: boolean } = {}): string {
    const { username, password } = this.credentials;
    const auth = (options.auth ?? true) ? `${encodeURIComponent(username)}:${encodeURIComponent(password)}@` : '';
    return `http://${auth}127.0.0.1:${this.httpPort}/${name}.git`;
  }

  daemonUrl(name: string): string {
    return `git://127.0.0.1:${this.daemonPort}/${name}.git`;
  }

  /** A fresh work tree of the repository, checked out at `base` (or empty when undefined). */
  private async workTree(name: string, base: string | undefined): Promise<string> {
    const work = mkdtempSync(join(this.dir, 'work', 'w-'));
    await git(['init', '-q', work], this.dir);
    // No background `git gc --auto` after a large commit: it would still be writing into .git when the work tree is removed.
    await git(['config', 'gc.auto', '0'], work);
    await git(['config', 'maintenance.auto', 'false'], work);
    if (base !== undefined) {
      await git(['fetch', '-q', this.bare(name), base], work);
      await git(['checkout', '-q', '--detach', 'FETCH_HEAD'], work);
    }
    return work;
  }

  private async commitAndPush(name: string, props: CommitProps, base: string | undefined, force: boolean): Promise<string> {
    const branch = props.branch ?? 'main';
    const work = await this.workTree(name, base);
    try {
      if (props.replaceAll && base !== undefined) await git(['rm', '-r', '-q', '--ignore-unmatch', '.'], work);
      for (const [path, content] of Object.entries(props.files)) {
        const file = join(work, path);
        if (content === null) {
          if (existsSync(file)) unlinkSync(file);
          continue;
        }
        mkdirSync(dirname(file), { recursive: true });
        writeFileSync(file, content);
      }
      await git(['add', '-A', '.'], work);
      const sign = props.sign ? [...Object.entries(props.sign.config).flatMap(([key, value]) => ['-c', `${key}=${value}`]), 'commit', '-S'] : ['commit'];
      await git([...sign, '-q', '--allow-empty', '-m', props.message ?? 'test commit'], work, props.sign?.env);
      const sha = await git(['rev-parse', 'HEAD'], work);
      await git(['push', '-q', ...(force ? ['--force'] : []), this.bare(name), `HEAD:refs/heads/${branch}`], work);
      return sha;
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  }

  async push(name: string, props: CommitProps): Promise<string> {
    const branch = props.branch ?? 'main';
    const tip = await this.revParse(name, `refs/heads/${branch}`);
    return this.commitAndPush(name, props, tip, false);
  }

  async forcePush(name: string, props: ForcePushProps): Promise<string> {
    const branch = props.branch ?? 'main';
    const onto = props.onto ?? (await this.revParse(name, `refs/heads/${branch}~1`));
    return this.commitAndPush(name, props, onto, true);
  }

  async deleteBranch(name: string, branch: string): Promise<void> {
    await git(['update-ref', '-d', `refs/heads/${branch}`], this.bare(name));
  }

  async tag(name: string, tag: string, target = 'refs/heads/main'): Promise<string> {
    const sha = await this.revParse(name, target);
    if (!sha) throw new Error(`${name}.git: cannot tag ${tag}: ${target} does not exist`);
    await git(['update-ref', `refs/tags/${tag}`, sha], this.bare(name));
    return sha;
  }

  async revParse(name: string, ref: string): Promise<string | undefined> {
    try {
      return await git(['rev-parse', '--verify', '--quiet', `${ref}^{commit}`], this.bare(name));
    } catch {
      return undefined;
    }
  }
}

/** Starts a Git server (HTTP with basic auth, and git daemon) on free 127.0.0.1 ports. */
export async function startGitServer(props: GitServerProps = {}): Promise<GitServer> {
  const server = new LocalGitServer(props);
  try {
    await server.start();
  } catch (err) {
    await server.teardown();
    throw err;
  }
  return server;
}
