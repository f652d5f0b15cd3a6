/**
 * Scan: for each environment (`clusters/<env>/images.json` with policies in
 * `image-policies.json`), what each policy would pick now. One result per
 * policy, from a closed set of actions; a failing image fails only its own
 * result (its error is in the result and in `errors`).
 */
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import pLimit from 'p-limit';
import { ImageAutomationErrors, ImageFileError } from './errors.ts';
import { formatImageRef, parseImageRef, type ImageRef } from './image-ref.ts';
import { LOCK_FILE_NAME, lockFilePath, readImageLock, type ImageLock } from './lock-file.ts';
import { selectTag, type ImagePolicySpec } from './policy.ts';
import { policyFilePath, readPolicyFile } from './policy-file.ts';
import { RegistryClient } from './registry-client.ts';

/**
 * - `update`: the policy picks a reference other than the locked one.
 * - `current`: the lock already holds the pick.
 * - `no-match`: no tag satisfies the policy; the lock is left alone.
 * - `failed`: the registry, the reference or the policy failed; see `error`.
 */
export type ScanAction = 'update' | 'current' | 'no-match' | 'failed';

export interface ImageScanResult {
  readonly environment: string;
  readonly component: string;
  /** `registry/repository` as written in the lock. */
  readonly image: string;
  /** The locked reference. */
  readonly current: string;
  /** The reference the policy picks (with `@digest` when pinned); undefined unless update or current. */
  readonly latest?: string;
  readonly action: ScanAction;
  /** Tags left after exclusion and filter. */
  readonly candidates?: number;
  readonly error?: Error;
}

export interface ScanOptions {
  /** The project root (holding `clusters/`). @default process.cwd() */
  readonly root?: string;
  /** Environments to scan. @default every folder of `clusters/` with an images.json */
  readonly environments?: readonly string[];
  /** The registry client. @default new RegistryClient() (anonymous) */
  readonly client?: RegistryClient;
  /** Registry requests in flight at once. @default 4 */
  readonly concurrency?: number;
}

export interface EnvironmentImages {
  readonly environment: string;
  readonly lock: ImageLock;
  readonly policies: ReadonlyMap<string, ImagePolicySpec>;
}

export interface ScanReport {
  /** Sorted by environment, then component. */
  readonly results: readonly ImageScanResult[];
  /** The environments read, with their locks (the update rewrites these). */
  readonly environments: readonly EnvironmentImages[];
  /** Every failure of `results`, in the same order. */
  readonly errors: readonly Error[];
}

/** The environments under `clusters/` that have an image lock, sorted. */
export async function listEnvironments(root: string): Promise<string[]> {
  const dir = path.join(root, 'clusters');
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (error) {
    throw new ImageFileError(dir, 'cannot list the environments', { cause: error });
  }
  const found: string[] = [];
  for (const entry of entries) {
    if (!entry.isDirectory()) continue;
    const files = await readdir(path.join(dir, entry.name));
    if (files.includes(LOCK_FILE_NAME)) found.push(entry.name);
  }
  return found.sort();
}

/** Reads the locks and policies of the environments; throws once listing every file problem. */
export async function readEnvironments(root: string, environments?: readonly string[]): Promise<EnvironmentImages[]> {
  const names = environments ?? (await listEnvironments(root));
  const problems: Error[] = [];
  const result: EnvironmentImages[] = [];
  for (const environment of [...names].sort()) {
    try {
      const lock = await readImageLock(lockFilePath(root, environment));
      const policies = await readPolicyFile(policyFilePath(root, environment));
      const orphans = [...policies.keys()].filter((name) => !lock.images.has(name));
      if (orphans.length > 0) {
        throw new ImageFileError(policyFilePath(root, environment), `policies for components not in ${LOCK_FILE_NAME}: ${orphans.join(', ')}`);
      }
      result.push({ environment, lock, policies });
    } catch (error) {
      problems.push(error as Error);
    }
  }
  if (problems.length === 1) throw problems[0];
  if (problems.length > 1) throw new ImageAutomationErrors(problems);
  return result;
}

/** What each policy picks now, per environment. */
export async function scanImages(options: ScanOptions = {}): Promise<ScanReport> {
  const root = options.root ?? process.cwd();
  const client = options.client ?? new RegistryClient();
  const limit = pLimit(options.concurrency ?? 4);
  const environments = await readEnvironments(root, options.environments);
  // One tag list per repository, shared by every environment that uses it.
  const tagLists = new Map<string, Promise<string[]>>();
  const tagsOf = (ref: ImageRef): Promise<string[]> => {
    const key = `${ref.registry}/${ref.repository}`;
    let tags = tagLists.get(key);
    if (tags === undefined) {
      tags = limit(() => client.listTags(ref));
      tagLists.set(key, tags);
    }
    return tags;
  };
  const jobs: Promise<ImageScanResult>[] = [];
  for (const { environment, lock, policies } of environments) {
    for (const [component, spec] of [...policies].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
      const current = lock.images.get(component) ?? '';
      jobs.push(scanOne(environment, component, current, spec, tagsOf, (ref, tag) => limit(() => client.manifestDigest(ref, tag))));
    }
  }
  const results = await Promise.all(jobs);
  return { results, environments, errors: results.flatMap((result) => (result.error === undefined ? [] : [result.error])) };
}

async function scanOne(
  environment: string,
  component: string,
  current: string,
  spec: ImagePolicySpec,
  tagsOf: (ref: ImageRef) => Promise<string[]>,
  digestOf: (ref: ImageRef, tag: string) => Promise<string>,
): Promise<ImageScanResult> {
  let image = current;
  try {
    const ref = parseImageRef(current);
    image = ref.name;
    const selection = selectTag(await tagsOf(ref), spec, `${environment}/${component}`);
    if (selection.tag === undefined) return { environment, component, image, current, action: 'no-match', candidates: selection.candidates };
    // A pinned digest is always resolved again: a re-pushed tag moves it.
    const digest = spec.pinDigest === true ? await digestOf(ref, selection.tag) : undefined;
    const latest = formatImageRef({ name: ref.name, registry: ref.registry, repository: ref.repository, tag: selection.tag, ...(digest === undefined ? {} : { digest }) });
    return { environment, component, image, current, latest, action: latest === current ? 'current' : 'update', candidates: selection.candidates };
  } catch (error) {
    // RegistryError names the image, ImageRefError the reference, PolicyError `<env>/<component>`.
    return { environment, component, image, current, action: 'failed', error: error instanceof Error ? error : new Error(String(error)) };
  }
}
