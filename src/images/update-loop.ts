/**
 * The in-cluster mode: the same update the CLI runs, against a writable Git
 * remote with its own credentials, meant to be called on an interval by the
 * agent. Each attempt starts from the remote's tip in a private clone (fetch,
 * hard reset of that clone only), updates, commits and pushes without force;
 * when someone else's commit lands in between, the push is rejected and the
 * attempt is redone on top of it, so the compiled output always matches the
 * sources it is committed with. After `attempts` rejections it gives up with a
 * `PushConflict` condition. It never force-pushes.
 */
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { ImageUpdateCondition, ImageUpdateReason } from '../api/index.ts';
import { redactUrl, type Git, type GitCredentials, type GitIdentity } from '../git/index.ts';
import { DEFAULT_IDENTITY, imageGit } from './_git.ts';
import type { CredentialLookup } from './credentials.ts';
import { RecompileError } from './errors.ts';
import type { Recompile } from './recompile.ts';
import { RegistryClient } from './registry-client.ts';
import { updateImages, type ImageChange } from './update.ts';

export interface ImageUpdateOptions {
  /** The Git remote, without credentials in it. */
  readonly repoUrl: string;
  /** @default 'main' */
  readonly branch?: string;
  /** Basic credentials for the remote (HTTP); sent in a header, never in the URL or logs. @default none */
  readonly credentials?: GitCredentials;
  /** Registry credentials. @default anonymous */
  readonly registryCredentials?: CredentialLookup;
  /** The client to use instead of one built from `registryCredentials`. @default undefined */
  readonly client?: RegistryClient;
  /** Where the private clone lives; reused between runs. @default a fresh folder under the OS temp dir */
  readonly workDir?: string;
  /** @default every environment with an images.json */
  readonly environments?: readonly string[];
  /** Rounds of fetch → update → push before giving up. @default 3 */
  readonly attempts?: number;
  /** @default 'Strata image automation <image-automation@strata.invalid>' */
  readonly identity?: GitIdentity;
  /** @default the compiler (see recompile.ts) */
  readonly recompile?: Recompile | false;
}

export interface ImageUpdateStatus {
  /** The run's outcome as the ImageUpdate's Ready condition (the controller adds its transition time and generation). */
  readonly condition: Pick<ImageUpdateCondition, 'type' | 'status' | 'message'> & { readonly reason: ImageUpdateReason };
  readonly changes: readonly ImageChange[];
  /** The commit pushed by this run. */
  readonly pushedCommit?: string;
  /** The remote tip the last attempt started from. */
  readonly observedCommit?: string;
  readonly attempts: number;
  /** Per-image failures of the scan (other images were still updated). */
  readonly errors: readonly Error[];
  /** The clone, for the next run. */
  readonly workDir: string;
}

/** One run: never throws for a failure it can describe; the condition says what happened. */
export async function runImageUpdate(options: ImageUpdateOptions): Promise<ImageUpdateStatus> {
  const branch = options.branch ?? 'main';
  const attempts = options.attempts ?? 3;
  const workDir = options.workDir ?? (await mkdtemp(path.join(tmpdir(), 'strata-image-update-')));
  const remote = redactUrl(options.repoUrl);
  const identity = options.identity ?? DEFAULT_IDENTITY;
  const git = imageGit(workDir, {
    label: remote,
    identity,
    ...(options.credentials === undefined ? {} : { credentials: options.credentials }),
  });
  const client = options.client ?? new RegistryClient(options.registryCredentials === undefined ? {} : { credentials: options.registryCredentials });
  const status = (fields: Omit<ImageUpdateStatus, 'workDir' | 'condition' | 'changes' | 'errors'> & Partial<ImageUpdateStatus>, reason: ImageUpdateReason, message: string): ImageUpdateStatus => ({
    changes: [],
    errors: [],
    ...fields,
    workDir,
    condition: { type: 'Ready', status: reason === 'Updated' || reason === 'UpToDate' ? 'True' : 'False', reason, message },
  });

  let observedCommit: string | undefined;
  for (let attempt = 1; attempt <= attempts; attempt++) {
    try {
      observedCommit = await syncClone(git, options.repoUrl, workDir, branch);
    } catch (error) {
      return status({ attempts: attempt }, 'GitFailed', (error as Error).message);
    }
    let result;
    try {
      result = await updateImages({
        root: workDir,
        client,
        commit: true,
        identity,
        ...(options.environments === undefined ? {} : { environments: options.environments }),
        ...(options.recompile === undefined ? {} : { recompile: options.recompile }),
      });
    } catch (error) {
      return status({ attempts: attempt, observedCommit }, error instanceof RecompileError ? 'RecompileFailed' : 'ScanFailed', (error as Error).message);
    }
    const errors = result.scan.errors;
    if (result.commit === undefined) {
      if (errors.length > 0) return status({ attempts: attempt, observedCommit, errors }, 'ScanFailed', `no image updated; ${errors.length} failed: ${errors.map((e) => e.message).join('; ')}`);
      return status({ attempts: attempt, observedCommit }, 'UpToDate', `every image is at its policy's pick (${remote}@${branch} ${short(observedCommit)})`);
    }
    try {
      await git.run(['push', '--porcelain', 'origin', `HEAD:refs/heads/${branch}`]);
    } catch (error) {
      const message = (error as Error).message;
      if (/rejected|non-fast-forward|fetch first|stale info/i.test(message)) {
        if (attempt < attempts) continue;
        return status(
          { attempts: attempt, observedCommit, changes: result.changes, errors },
          'PushConflict',
          `${remote}@${branch} moved during each of ${attempts} attempts; gave up without pushing (never force-pushes): ${message}`,
        );
      }
      return status({ attempts: attempt, observedCommit, changes: result.changes, errors }, 'GitFailed', message);
    }
    const pushedCommit = await git.run(['rev-parse', 'HEAD']);
    const summary = `pushed ${short(pushedCommit)} to ${remote}@${branch}: ${result.changes.map((c) => `${c.environment}/${c.component} → ${c.to}`).join(', ')}`;
    if (errors.length > 0) return status({ attempts: attempt, observedCommit, pushedCommit, changes: result.changes, errors }, 'PartiallyUpdated', `${summary}; ${errors.length} failed: ${errors.map((e) => e.message).join('; ')}`);
    return status({ attempts: attempt, observedCommit, pushedCommit, changes: result.changes }, 'Updated', summary);
  }
  // Unreachable: the last attempt returns.
  return status({ attempts }, 'PushConflict', `${remote}@${branch}: gave up after ${attempts} attempts`);
}

/** Clones once, then fetches and resets the private clone to the remote tip; returns that commit. */
async function syncClone(git: Git, url: string, dir: string, branch: string): Promise<string> {
  if (!existsSync(path.join(dir, '.git'))) {
    await mkdir(dir, { recursive: true });
    await git.run(['init', '--quiet']);
    await git.run(['remote', 'add', 'origin', url]);
  }
  await git.run(['fetch', '--quiet', '--no-tags', 'origin', `+refs/heads/${branch}:refs/remotes/origin/${branch}`]);
  await git.run(['checkout', '--quiet', '--force', '-B', branch, `refs/remotes/origin/${branch}`]);
  await git.run(['reset', '--quiet', '--hard', `refs/remotes/origin/${branch}`]);
  await git.run(['clean', '--quiet', '-fdx']);
  return git.run(['rev-parse', 'HEAD']);
}

function short(commit: string | undefined): string {
  return commit === undefined ? '?' : commit.slice(0, 12);
}

export interface ImageUpdateLoopOptions extends ImageUpdateOptions {
  /** @default 5 minutes */
  readonly intervalMs?: number;
  /** Called with every run's status. */
  readonly onStatus?: (status: ImageUpdateStatus) => void;
  /** Stops the loop. */
  readonly signal?: AbortSignal;
}

/** Runs `runImageUpdate` every `intervalMs` (reusing the clone) until `signal` aborts. */
export async function runImageUpdateLoop(options: ImageUpdateLoopOptions): Promise<void> {
  let workDir = options.workDir;
  while (options.signal?.aborted !== true) {
    const result = await runImageUpdate({ ...options, ...(workDir === undefined ? {} : { workDir }) });
    workDir = result.workDir;
    options.onStatus?.(result);
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, options.intervalMs ?? 300_000);
      options.signal?.addEventListener('abort', () => {
        clearTimeout(timer);
        resolve();
      }, { once: true });
    });
  }
}
