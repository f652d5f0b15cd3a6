// The Git repositories Syncs follow, as the UI reads them: one bare mirror per URL under a cache
// folder, fetched with the user's own git configuration and credentials (as `git` on their
// machine would), and only when a revision asked about is not in it yet. What a page sees of a
// revision is its source commit: the `Source-Commit` trailer `strata commit` writes, read the way
// `strata history` reads it, cached per revision (a commit never changes).
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { GitRef } from '../api/index.ts';
import { pickSemverTag } from '../reconciler/index.ts';
import { Git, commitOf, parseRevision, redactUrl } from '../git/index.ts';
// The file, not the room's index: the index pulls in bootstrap and the compiler, which the agent's bundle (strata agent --ui) must not carry.
import { parseTrailers, SOURCE_COMMIT_TRAILERS } from '../gitops/trailers.ts';

/** The commit a revision was compiled from, as a fleet row shows it. */
export interface SourceCommit {
  /** Full hash: the `Source-Commit` trailer's, or the revision's own commit when it names none (plain YAML). */
  readonly commit: string;
  /** First line of its message; empty when the commit is not in the repository (another source repository). */
  readonly subject: string;
  readonly author: string;
  /** Author time, ISO 8601. */
  readonly time: string;
}

export interface RepositoriesOptions {
  /**
   * Where the mirrors are kept.
   * @default a fresh folder under the OS temp dir, removed by close()
   */
  readonly cacheDir?: string;
  /**
   * How long a failed fetch is remembered before a later request tries again.
   * @default 60_000
   */
  readonly retryAfterMs?: number;
}

/** Protocols a Sync's URL may make the UI's git speak; `ext::` and the rest stay closed. */
const ALLOWED_PROTOCOLS = 'file:git:http:https:ssh';
const FIELD = '\x1f';

export class Repositories {
  private root: string | undefined;
  private readonly fetches = new Map<string, Promise<void>>();
  private readonly sources = new Map<string, Promise<SourceCommit>>();
  private readonly known = new Map<string, SourceCommit>();
  private readonly failures = new Map<string, { at: number; message: string }>();
  private readonly fetchedAt = new Map<string, number>();
  private readonly retryAfterMs: number;
  /** Counters for tests: how many fetches ran. */
  readonly stats = { fetches: 0 };

  constructor(private readonly options: RepositoriesOptions = {}) {
    this.retryAfterMs = options.retryAfterMs ?? 60_000;
  }

  /** A git runner on the mirror of `url`, holding `revision`'s commit (fetched when missing). */
  async repository(url: string, revision: string): Promise<Git> {
    const git = await this.mirror(url);
    const commit = commitOf(revision) ?? parseRevision(revision).commit;
    if (await git.tryRun(['cat-file', '-e', `${commit}^{commit}`]) !== undefined) return git;
    const failed = this.failures.get(url);
    if (failed && Date.now() - failed.at < this.retryAfterMs) throw new Error(failed.message);
    // A fetch already under way may have started before the commit was pushed: then one more.
    for (let attempt = 0; attempt < 2; attempt += 1) {
      await this.fetchOnce(git, url);
      if ((await git.tryRun(['cat-file', '-e', `${commit}^{commit}`])) !== undefined) return git;
    }
    throw new Error(`${redactUrl(url)}: commit ${commit.slice(0, 12)} not found`);
  }

  /** Fetches `url`, joining a fetch of it already under way. */
  private fetchOnce(git: Git, url: string): Promise<void> {
    let fetch = this.fetches.get(url);
    if (!fetch) {
      fetch = this.fetch(git, url).finally(() => this.fetches.delete(url));
      this.fetches.set(url, fetch);
    }
    return fetch;
  }

  /**
   * A git runner on the mirror of `url`, fetched now unless it was within `maxAgeMs` (pages
   * asking what the next revision is want the remote's head, not the one the mirror last saw).
   */
  async fresh(url: string, maxAgeMs = 5_000): Promise<Git> {
    const git = await this.mirror(url);
    if (Date.now() - (this.fetchedAt.get(url) ?? 0) > maxAgeMs) await this.fetchOnce(git, url);
    return git;
  }

  /** The source commit of `revision` (`main@sha1:<hash>`), or undefined when the revision names no commit. */
  sourceCommit(url: string, revision: string): Promise<SourceCommit | undefined> {
    const commit = commitOf(revision);
    if (!commit) return Promise.resolve(undefined);
    const key = `${url}\n${commit}`;
    let found = this.sources.get(key);
    if (!found) {
      found = this.readSource(url, revision, commit);
      this.sources.set(key, found);
      found.then((source) => this.known.set(key, source), () => undefined);
      // A failure is not cached here (repository() remembers it for a while), so a later row retries.
      found.catch(() => this.sources.delete(key));
    }
    return found;
  }

  /** The source commit of `revision` when already read (a page is drawn with it at once, not a moment later). */
  knownSourceCommit(url: string, revision: string): SourceCommit | undefined {
    const commit = commitOf(revision);
    return commit ? this.known.get(`${url}\n${commit}`) : undefined;
  }

  async close(): Promise<void> {
    if (this.root && !this.options.cacheDir) await rm(this.root, { recursive: true, force: true });
  }

  private async readSource(url: string, revision: string, commit: string): Promise<SourceCommit> {
    const git = await this.repository(url, revision);
    const deploy = await readCommit(git, commit);
    if (!deploy) throw new Error(`${redactUrl(url)}: commit ${commit.slice(0, 12)} not found`);
    const trailers = parseTrailers(deploy.message);
    const named = SOURCE_COMMIT_TRAILERS.map((key) => trailers.get(key.toLowerCase())).find((value) => value !== undefined);
    if (!named) return deploy.summary;
    const source = await readCommit(git, named);
    return source?.summary ?? { commit: named, subject: '', author: '', time: '' };
  }

  private async mirror(url: string): Promise<Git> {
    if (url.startsWith('-')) throw new Error(`${redactUrl(url)}: not a Git URL`);
    this.root ??= this.options.cacheDir ?? (await mkdtemp(path.join(tmpdir(), 'strata-ui-git-')));
    const dir = path.join(this.root, `${createHash('sha256').update(url).digest('hex').slice(0, 24)}.git`);
    await mkdir(dir, { recursive: true });
    // BatchMode: ssh must never stop to ask about a host key or a passphrase on the terminal of `strata ui`.
    const ssh = process.env.GIT_SSH_COMMAND ?? process.env.GIT_SSH ?? 'ssh -o BatchMode=yes';
    const git = new Git(dir, { label: redactUrl(url), env: { GIT_ALLOW_PROTOCOL: ALLOWED_PROTOCOLS, GIT_DIR: dir, GIT_SSH_COMMAND: ssh } });
    if ((await git.tryRun(['rev-parse', '--is-bare-repository'])) !== 'true') await git.run(['init', '--bare', '--quiet', dir]);
    return git;
  }

  private async fetch(git: Git, url: string): Promise<void> {
    this.stats.fetches += 1;
    try {
      await git.run(['fetch', '--quiet', '--no-tags', '--prune', '--', url, '+refs/heads/*:refs/heads/*', '+refs/tags/*:refs/tags/*']);
      this.failures.delete(url);
      this.fetchedAt.set(url, Date.now());
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      this.failures.set(url, { at: Date.now(), message });
      throw error;
    }
  }
}

async function readCommit(git: Git, commit: string): Promise<{ summary: SourceCommit; message: string } | undefined> {
  if (!/^[0-9a-f]{4,40}$/.test(commit)) return undefined;
  const text = await git.tryRun(['log', '-1', `--format=%H${FIELD}%an${FIELD}%aI${FIELD}%B`, `${commit}^{commit}`, '--']);
  if (!text) return undefined;
  const [hash = '', author = '', time = '', message = ''] = text.split(FIELD);
  return { summary: { commit: hash, subject: message.trim().split('\n')[0] ?? '', author, time }, message };
}

/** The commit `ref` names in a fetched mirror, as the agent would resolve it (branch head, tag, highest semver tag, pinned commit). */
export async function headOf(git: Git, ref: GitRef): Promise<{ name: string; commit: string } | undefined> {
  if (ref.commit !== undefined) return { name: ref.branch ?? ref.tag ?? '', commit: ref.commit };
  if (ref.semver !== undefined) {
    const tags = (await git.run(['for-each-ref', '--format=%(refname:strip=2)', 'refs/tags/'])).split('\n').filter(Boolean);
    const tag = pickSemverTag(tags, ref.semver);
    if (tag === undefined) return undefined;
    const commit = await git.tryRun(['rev-parse', '--verify', '--quiet', `refs/tags/${tag}^{commit}`]);
    return commit ? { name: tag, commit } : undefined;
  }
  const name = ref.tag ?? ref.branch ?? 'main';
  const commit = await git.tryRun(['rev-parse', '--verify', '--quiet', `${ref.tag !== undefined ? 'refs/tags' : 'refs/heads'}/${name}^{commit}`]);
  return commit ? { name, commit } : undefined;
}
