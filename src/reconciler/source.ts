/**
 * The Git source: resolves a ref to a commit with `git ls-remote`, fetches it
 * shallowly into a local cache (one fetch for every Sync on the same URL and
 * ref, none when the remote head has not moved) and reads a folder of the
 * checkout safely: no path may leave the checkout, no file may exceed the cap.
 */
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, readdir, realpath, rm, lstat, stat, writeFile, chmod } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import semver from 'semver';
import type { ManifestFile } from '../manifest/index.ts';
import type { GitRef } from '../api/index.ts';
import { Git, credentialEnv, formatRevision, redactUrl } from '../git/index.ts';

/** Credentials read from the Sync's secretRef. Never logged, never put in a URL. */
export type GitAuth =
  | { readonly kind: 'basic'; readonly username: string; readonly password: string }
  | { readonly kind: 'ssh'; readonly identity: string; readonly knownHosts?: string };

export interface SourceRequest {
  readonly url: string;
  readonly ref: GitRef;
  readonly auth?: GitAuth;
  readonly signal?: AbortSignal;
}

/** A fetched commit, checked out read-only under the cache. */
export interface Artifact {
  /** `main@sha1:<hash>`, `v1.2.0@sha1:<hash>` or `sha1:<hash>` for a bare commit. */
  readonly revision: string;
  readonly commit: string;
  /** Absolute path of the checkout. */
  readonly dir: string;
  /** The bare repository the commit was fetched into (for `git verify-commit`, trailers). */
  readonly gitDir: string;
  /** True when the remote head had not moved and the cached checkout was reused. */
  readonly cached: boolean;
}

export interface GitSourceOptions {
  /** Where checkouts are kept. @default a fresh folder under the OS temp dir */
  readonly cacheDir?: string;
  /** Path of the git executable. @default 'git' */
  readonly git?: string;
  /** Checkouts kept per URL and ref besides the newest (older ones are removed). @default 1 */
  readonly keepOld?: number;
}

export interface ReadOptions {
  /** Largest file read, in bytes. @default 1 MiB */
  readonly maxFileBytes?: number;
  /**
   * Largest total read, in bytes. Small enough that a revision of large string values under
   * every node bound still parses inside the image's 96 MiB heap. @default 16 MiB
   */
  readonly maxTotalBytes?: number;
}

/** The remote could not be reached, authentication failed or the ref does not exist. */
export class FetchError extends Error {
  override readonly name = 'FetchError';
  constructor(
    readonly url: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`${redactUrl(url)}: ${message}`, options);
  }
}

/** A path of the revision (the Sync's path, or a symlink in it) leads outside the checkout. */
export class UnsafePathError extends Error {
  override readonly name = 'UnsafePathError';
  constructor(
    readonly file: string,
    message: string,
  ) {
    super(`${file}: ${message}`);
  }
}

/** A file (or the folder as a whole) is larger than the cap. */
export class FileTooLargeError extends Error {
  override readonly name = 'FileTooLargeError';
  constructor(
    readonly file: string,
    readonly bytes: number,
    readonly limit: number,
  ) {
    super(`${file}: ${bytes} bytes is over the limit of ${limit} bytes`);
  }
}

/** The commit a ref resolves to on the remote, and the name used in the revision. */
export interface ResolvedRef {
  readonly name: string;
  readonly commit?: string;
  /** The full remote ref to fetch (`refs/heads/main`), absent for a bare commit. */
  readonly remoteRef?: string;
}

/** Picks the highest tag satisfying `range` among `ls-remote --tags` lines; tags may carry a leading `v`. */
export function pickSemverTag(tags: readonly string[], range: string): string | undefined {
  const valid = new Map<string, string>();
  for (const tag of tags) {
    const version = semver.valid(tag.startsWith('v') ? tag.slice(1) : tag);
    if (version !== null && !valid.has(version)) valid.set(version, tag);
  }
  const best = semver.maxSatisfying([...valid.keys()], range);
  return best === null ? undefined : valid.get(best);
}

/** Parses `git ls-remote` output into ref → commit; peeled tags (`^{}`) win over the tag object. */
export function parseLsRemote(output: string): Map<string, string> {
  const refs = new Map<string, string>();
  for (const line of output.split('\n')) {
    const [sha, ref] = line.trim().split(/\s+/);
    if (!sha || !ref) continue;
    if (ref.endsWith('^{}')) refs.set(ref.slice(0, -3), sha);
    else if (!refs.has(ref)) refs.set(ref, sha);
  }
  return refs;
}

interface CacheEntry {
  readonly url: string;
  readonly ref: GitRef;
  commit: string;
  artifact: Artifact;
  checkouts: string[];
  fetches: number;
}

const GC_EVERY = 20;

/**
 * A cache of checkouts keyed by URL, ref and credentials. Concurrent requests for one key
 * share the same in-flight fetch. The credentials are part of the key so that a request
 * without them (another tenant's Sync naming the same URL and commit, or one whose fetch
 * failed) is never served what only they could fetch.
 */
export class GitSource {
  private readonly git: string;
  private readonly keepOld: number;
  private cacheDir: string | undefined;
  private readonly inflight = new Map<string, Promise<Artifact>>();
  private readonly entries = new Map<string, CacheEntry>();
  /** Counters for tests and metrics. */
  readonly stats = { lsRemote: 0, fetches: 0, reused: 0 };

  constructor(private readonly options: GitSourceOptions = {}) {
    this.git = options.git ?? 'git';
    this.keepOld = options.keepOld ?? 1;
    this.cacheDir = options.cacheDir;
  }

  /** Resolves the ref, fetches it when the remote moved and returns the checkout. */
  fetch(request: SourceRequest): Promise<Artifact> {
    const key = cacheKey(request);
    const running = this.inflight.get(key);
    if (running) return running;
    const promise = this.fetchUncached(key, request).finally(() => this.inflight.delete(key));
    this.inflight.set(key, promise);
    return promise;
  }

  /** The last artifact fetched for this URL, ref and credentials, if any. */
  last(request: Omit<SourceRequest, 'signal'>): Artifact | undefined {
    return this.entries.get(cacheKey(request))?.artifact;
  }

  /**
   * The trailers of a fetched commit as git parses them (`%(trailers)`): keys lower-cased, the
   * first of a key winning. Empty when the commit is not in the cache.
   */
  async trailers(url: string, ref: GitRef, commit: string): Promise<Map<string, string>> {
    const trailers = new Map<string, string>();
    if (!/^[0-9a-f]{40}$/.test(commit)) return trailers;
    // Whichever credentials fetched it: only a Sync that applied this very commit asks.
    const gitDir = [...this.entries.values()].find((entry) => entry.url === url && sameRef(entry.ref, ref) && entry.commit === commit)?.artifact.gitDir;
    if (gitDir === undefined) return trailers;
    const text = await this.run(['log', '-1', '--format=%(trailers:only,unfold)', commit, '--'], { env: { GIT_DIR: gitDir } }).catch(() => '');
    for (const line of text.split('\n')) {
      const match = /^([A-Za-z][A-Za-z0-9-]*):\s*(.*)$/.exec(line.trim());
      const key = match?.[1]?.toLowerCase();
      if (key && !trailers.has(key)) trailers.set(key, match?.[2]?.trim() ?? '');
    }
    return trailers;
  }

  async close(): Promise<void> {
    if (this.cacheDir && !this.options.cacheDir) await rm(this.cacheDir, { recursive: true, force: true });
  }

  private async root(): Promise<string> {
    if (!this.cacheDir) this.cacheDir = await mkdtemp(path.join(tmpdir(), 'strata-source-'));
    await mkdir(this.cacheDir, { recursive: true });
    return this.cacheDir;
  }

  private async fetchUncached(key: string, request: SourceRequest): Promise<Artifact> {
    const root = await this.root();
    const keyDir = path.join(root, key);
    await mkdir(keyDir, { recursive: true });
    const env = await this.authEnv(request.auth, keyDir);
    try {
      const resolved = await this.resolve(request, env.vars);
      const entry = this.entries.get(key);
      if (entry && resolved.commit !== undefined && entry.commit === resolved.commit) {
        this.stats.reused += 1;
        return { ...entry.artifact, cached: true };
      }
      const commit = await this.fetchCommit(request, resolved, keyDir, env.vars);
      const revision = formatRevision(resolved.name, commit);
      if (entry && entry.commit === commit) {
        this.stats.reused += 1;
        entry.artifact = { ...entry.artifact, revision };
        return { ...entry.artifact, cached: true };
      }
      const dir = path.join(keyDir, commit);
      await this.checkout(keyDir, commit, dir, request.signal);
      const artifact: Artifact = { revision, commit, dir, gitDir: path.join(keyDir, 'repo.git'), cached: false };
      const checkouts = [...(entry?.checkouts ?? []).filter((old) => old !== dir), dir];
      while (checkouts.length > this.keepOld + 1) {
        const old = checkouts.shift();
        if (old) await rm(old, { recursive: true, force: true });
      }
      const fetches = (entry?.fetches ?? 0) + 1;
      this.entries.set(key, { url: request.url, ref: request.ref, commit, artifact, checkouts, fetches });
      // Each shallow fetch leaves the previous commit unreachable: collect it now and then.
      if (fetches % GC_EVERY === 0) await this.run(['gc', '--quiet', '--prune=now'], { env: { GIT_DIR: path.join(keyDir, 'repo.git') } }).catch(() => undefined);
      return artifact;
    } finally {
      await env.cleanup();
    }
  }

  /** Resolves the ref with one `git ls-remote` (none for a bare commit). */
  private async resolve(request: SourceRequest, env: NodeJS.ProcessEnv): Promise<ResolvedRef> {
    const { ref, url } = request;
    const set = [ref.branch, ref.tag, ref.semver].filter((value) => value !== undefined).length;
    if (set > 1) throw new FetchError(url, 'ref must name one of branch, tag or semver');
    if (ref.commit !== undefined) {
      if (!/^[0-9a-f]{40}$/.test(ref.commit)) throw new FetchError(url, `commit ${JSON.stringify(ref.commit)} is not a full sha1`);
      return { name: ref.branch ?? ref.tag ?? '', commit: ref.commit };
    }
    this.stats.lsRemote += 1;
    if (ref.semver !== undefined) {
      if (semver.validRange(ref.semver) === null) throw new FetchError(url, `semver range ${JSON.stringify(ref.semver)} is invalid`);
      const refs = parseLsRemote(await this.run(['ls-remote', '--tags', '--', url], { env, signal: request.signal, url }));
      const tags = [...refs.keys()].filter((name) => name.startsWith('refs/tags/')).map((name) => name.slice('refs/tags/'.length));
      const tag = pickSemverTag(tags, ref.semver);
      if (tag === undefined) throw new FetchError(url, `no tag satisfies semver range ${JSON.stringify(ref.semver)} (tags: ${tags.slice(0, 10).join(', ') || 'none'})`);
      return { name: tag, commit: refs.get(`refs/tags/${tag}`), remoteRef: `refs/tags/${tag}` };
    }
    const remoteRef = ref.tag !== undefined ? `refs/tags/${ref.tag}` : `refs/heads/${ref.branch ?? 'main'}`;
    const refs = parseLsRemote(await this.run(['ls-remote', '--', url, remoteRef], { env, signal: request.signal, url }));
    const commit = refs.get(remoteRef);
    if (commit === undefined) throw new FetchError(url, `${ref.tag !== undefined ? 'tag' : 'branch'} ${JSON.stringify(ref.tag ?? ref.branch ?? 'main')} not found`);
    return { name: ref.tag ?? ref.branch ?? 'main', commit, remoteRef };
  }

  /** Shallow-fetches into the key's bare repository and returns the commit fetched. */
  private async fetchCommit(request: SourceRequest, resolved: ResolvedRef, keyDir: string, env: NodeJS.ProcessEnv): Promise<string> {
    const gitDir = path.join(keyDir, 'repo.git');
    const opts = { env: { ...env, GIT_DIR: gitDir }, signal: request.signal, url: request.url };
    await this.run(['init', '--bare', '--quiet', gitDir], opts);
    this.stats.fetches += 1;
    const want = resolved.remoteRef ?? resolved.commit ?? '';
    try {
      await this.run(['fetch', '--quiet', '--no-tags', '--depth', '1', '--', request.url, `+${want}:refs/strata/fetched`], opts);
    } catch (error) {
      if (resolved.remoteRef !== undefined) throw error;
      // Servers that refuse fetching a bare sha: fetch the branches and look for it.
      await this.run(['fetch', '--quiet', '--no-tags', '--', request.url, '+refs/heads/*:refs/strata/heads/*'], opts);
      await this.run(['update-ref', 'refs/strata/fetched', want], opts);
    }
    const commit = (await this.run(['rev-parse', 'refs/strata/fetched^{commit}'], opts)).trim();
    if (resolved.commit !== undefined && resolved.remoteRef === undefined && commit !== resolved.commit) {
      throw new FetchError(request.url, `fetched ${commit} while asking for ${resolved.commit}`);
    }
    return commit;
  }

  /** Writes the commit's tree to `dir` (symlinks stay symlinks; the reader checks them). */
  private async checkout(keyDir: string, commit: string, dir: string, signal?: AbortSignal): Promise<void> {
    const gitDir = path.join(keyDir, 'repo.git');
    const index = `${dir}.index`;
    await rm(dir, { recursive: true, force: true });
    await mkdir(dir, { recursive: true });
    const env = { GIT_DIR: gitDir, GIT_INDEX_FILE: index, GIT_WORK_TREE: dir };
    await this.run(['read-tree', commit], { env, signal });
    await this.run(['checkout-index', '--all', '--force'], { env, signal });
    await rm(index, { force: true });
  }

  private async authEnv(auth: GitAuth | undefined, keyDir: string): Promise<{ vars: NodeJS.ProcessEnv; cleanup: () => Promise<void> }> {
    const vars: NodeJS.ProcessEnv = {};
    if (!auth) return { vars, cleanup: async () => {} };
    // The header goes through the environment, not argv or the URL, so no process listing or error shows it.
    if (auth.kind === 'basic') return { vars: credentialEnv(auth), cleanup: async () => {} };
    const secretDir = await mkdtemp(path.join(keyDir, 'ssh-'));
    const keyFile = path.join(secretDir, 'identity');
    await writeFile(keyFile, auth.identity.endsWith('\n') ? auth.identity : `${auth.identity}\n`, { mode: 0o600 });
    await chmod(keyFile, 0o600);
    const hostsFile = path.join(secretDir, 'known_hosts');
    await writeFile(hostsFile, auth.knownHosts ?? '', { mode: 0o600 });
    const strict = auth.knownHosts ? 'yes' : 'accept-new';
    vars.GIT_SSH_COMMAND = `ssh -i ${keyFile} -o IdentitiesOnly=yes -o UserKnownHostsFile=${hostsFile} -o StrictHostKeyChecking=${strict} -o BatchMode=yes`;
    return { vars, cleanup: () => rm(secretDir, { recursive: true, force: true }) };
  }

  /** Runs git with only the environment given (no host configuration) and the Sync's URL in errors, credentials redacted. */
  private run(args: string[], options: { env: NodeJS.ProcessEnv; signal?: AbortSignal; url?: string }): Promise<string> {
    const url = options.url ?? '';
    const git = new Git(process.cwd(), {
      inheritEnv: false,
      executable: this.git,
      env: options.env,
      label: redactUrl(url),
      wrapError: (error) => new FetchError(url, `git ${args[0]} failed: ${error.summary()}`),
    });
    return git.run(args, options.signal ? { signal: options.signal } : {});
  }
}

function sameRef(a: GitRef, b: GitRef): boolean {
  return a.branch === b.branch && a.tag === b.tag && a.semver === b.semver && a.commit === b.commit;
}

function cacheKey({ url, ref, auth }: Omit<SourceRequest, 'signal'>): string {
  const credentials = auth === undefined ? null : auth.kind === 'basic' ? [auth.kind, auth.username, auth.password] : [auth.kind, auth.identity, auth.knownHosts ?? null];
  return createHash('sha256').update(JSON.stringify([url, ref.branch ?? null, ref.tag ?? null, ref.semver ?? null, ref.commit ?? null, credentials])).digest('hex').slice(0, 24);
}

/**
 * Reads every file under `subPath` of a checkout, refusing paths that leave it
 * (`..`, absolute paths, symlinks pointing outside) and files over the cap.
 * Collects every violation and throws once. Paths in the result are relative
 * to `subPath`, `/`-separated, sorted.
 */
export async function readSourceFiles(checkout: string, subPath: string, options: ReadOptions = {}): Promise<ManifestFile[]> {
  const maxFileBytes = options.maxFileBytes ?? 1024 * 1024;
  const maxTotalBytes = options.maxTotalBytes ?? 16 * 1024 * 1024;
  const root = await realpath(checkout);
  const normalized = path.posix.normalize(subPath.replace(/\\/g, '/') || '.');
  if (path.posix.isAbsolute(normalized) || normalized === '..' || normalized.startsWith('../')) {
    throw new UnsafePathError(subPath, 'path leaves the repository checkout');
  }
  const start = path.join(root, normalized);
  let base: string;
  try {
    base = await realpath(start);
  } catch (error) {
    throw new UnsafePathError(subPath, `path does not exist in the revision`);
  }
  if (!isInside(root, base)) throw new UnsafePathError(subPath, 'path is a symlink pointing outside the repository checkout');
  const info = await stat(base);
  if (!info.isDirectory()) throw new UnsafePathError(subPath, 'path is not a folder');

  const errors: Error[] = [];
  const files: ManifestFile[] = [];
  let total = 0;
  const visited = new Set<string>([base]);
  const walk = async (real: string, relative: string): Promise<void> => {
    const names = (await readdir(real)).sort();
    for (const name of names) {
      if (relative === '' && name === '.git') continue;
      const rel = relative === '' ? name : `${relative}/${name}`;
      const where = normalized === '.' ? rel : `${normalized}/${rel}`;
      const full = path.join(real, name);
      const link = await lstat(full);
      let target = full;
      if (link.isSymbolicLink()) {
        try {
          target = await realpath(full);
        } catch {
          errors.push(new UnsafePathError(where, 'symlink target does not exist'));
          continue;
        }
        if (!isInside(root, target)) {
          errors.push(new UnsafePathError(where, 'symlink points outside the repository checkout'));
          continue;
        }
      }
      const targetInfo = await stat(target);
      if (targetInfo.isDirectory()) {
        if (visited.has(target)) continue;
        visited.add(target);
        await walk(target, rel);
        continue;
      }
      if (!targetInfo.isFile() || !/\.(ya?ml|json)$/i.test(name)) continue;
      if (targetInfo.size > maxFileBytes) {
        errors.push(new FileTooLargeError(where, targetInfo.size, maxFileBytes));
        continue;
      }
      total += targetInfo.size;
      if (total > maxTotalBytes) {
        errors.push(new FileTooLargeError(normalized, total, maxTotalBytes));
        return;
      }
      files.push({ path: rel, text: await readFile(target, 'utf8') });
    }
  };
  await walk(base, '');
  if (errors.length === 1) throw errors[0];
  if (errors.length > 1) throw new AggregateError(errors, errors.map((error) => error.message).join('\n'));
  return files;
}

function isInside(root: string, candidate: string): boolean {
  const relative = path.relative(root, candidate);
  return relative === '' || (!relative.startsWith('..') && !path.isAbsolute(relative));
}
