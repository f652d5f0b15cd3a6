/**
 * @internal The few git commands image automation needs, on the one git runner
 * (src/git/): its failures become ImageGitErrors naming the repository. Never force-pushes.
 */
import { Git, identityEnv, type GitCredentials, type GitIdentity } from '../git/index.ts';
import { ImageGitError } from './errors.ts';

/** @default identity of commits when the repository has none configured. */
export const DEFAULT_IDENTITY: GitIdentity = { name: 'Strata image automation', email: 'image-automation@strata.invalid' };

export interface ImageGitOptions {
  readonly credentials?: GitCredentials;
  /** Author and committer of the commits, over any the environment or the repository names. @default the repository's, else DEFAULT_IDENTITY */
  readonly identity?: GitIdentity;
  /** Names the repository in errors (a remote URL without credentials). @default the work tree */
  readonly label?: string;
}

/** The runners given an identity: their commits need no fallback. */
const withIdentity = new WeakSet<Git>();

/** A work tree of image automation and git in it. */
export function imageGit(dir: string, options: ImageGitOptions = {}): Git {
  const label = options.label ?? dir;
  const git = new Git(dir, {
    label,
    ...(options.credentials === undefined ? {} : { credentials: options.credentials }),
    ...(options.identity === undefined ? {} : { env: identityEnv(options.identity) }),
    wrapError: (error) => new ImageGitError(label, `git ${error.args[0]} failed: ${error.tail(6)}`, { cause: error }),
  });
  if (options.identity !== undefined) withIdentity.add(git);
  return git;
}

/** True when the work tree is inside a git repository. */
export async function isRepository(git: Git): Promise<boolean> {
  return (await git.tryRun(['rev-parse', '--is-inside-work-tree'])) === 'true';
}

/** The identity flags for a commit when neither the repo nor the environment has one. */
async function identityArgs(git: Git): Promise<string[]> {
  if (withIdentity.has(git) || process.env.GIT_AUTHOR_EMAIL !== undefined) return [];
  const email = await git.tryRun(['config', 'user.email']);
  if (email !== undefined && email !== '') return [];
  return ['-c', `user.name=${DEFAULT_IDENTITY.name}`, '-c', `user.email=${DEFAULT_IDENTITY.email}`];
}

/** Stages `paths` (additions and deletions) and commits only them; returns the new commit. */
export async function commitPaths(git: Git, paths: readonly string[], message: string): Promise<string> {
  await git.run(['add', '-A', '--', ...paths]);
  await git.run([...(await identityArgs(git)), 'commit', '--quiet', '--no-verify', '-m', message, '--', ...paths]);
  return git.run(['rev-parse', 'HEAD']);
}

/** Paths among `paths` that differ from HEAD (tracked changes and new files). */
export async function changedPaths(git: Git, paths: readonly string[]): Promise<string[]> {
  const status = await git.run(['status', '--porcelain', '--untracked-files=all', '--', ...paths]);
  return status === '' ? [] : status.split('\n').map((line) => line.slice(3));
}
