// `strata init`: a new infrastructure repository in the seed's layout. Writes nothing when any
// file it would write exists already (it never overwrites, and needs no --force).
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { installationRoot, installationVersion } from '../install/installation.ts';
import { projectFiles } from './_templates.ts';

/** Options of {@link scaffoldProject}. */
export interface ScaffoldOptions {
  /** The folder to create the project in (created when missing). */
  readonly dir: string;
  /** The age recipient `.sops.yaml` encrypts to (`age1…`). */
  readonly recipient: string;
  /**
   * The project's package name.
   * @default the folder's name, lower-cased, with anything but letters, digits, `-`, `_` and `.` as `-`
   */
  readonly name?: string;
}

/** What {@link scaffoldProject} wrote. */
export interface ScaffoldResult {
  /** The project folder (absolute). */
  readonly dir: string;
  /** The files written, relative to it, sorted. */
  readonly files: readonly string[];
}

/** Refusal to scaffold over existing files; names every one of them. */
export class ScaffoldConflictError extends Error {
  override readonly name = 'ScaffoldConflictError';
  constructor(
    readonly dir: string,
    readonly existing: readonly string[],
  ) {
    super(`${dir}: ${existing.length} file(s) already exist and would be overwritten: ${existing.join(', ')}. strata init writes only into a folder without them.`);
  }
}

/** Writes a new project; throws ScaffoldConflictError (having written nothing) when a file exists. */
export function scaffoldProject(options: ScaffoldOptions): ScaffoldResult {
  const dir = resolve(options.dir);
  const root = installationRoot();
  const own = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { dependencies?: Record<string, string> };
  const files = projectFiles({
    name: options.name ?? packageName(basename(dir)),
    recipient: options.recipient,
    strataRange: `^${installationVersion(root)}`,
    constructsRange: own.dependencies?.['constructs'] ?? '^10.0.0',
  });
  const paths = Object.keys(files).sort();
  const existing = paths.filter((path) => existsSync(join(dir, path)));
  if (existing.length > 0) throw new ScaffoldConflictError(dir, existing);
  for (const path of paths) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), files[path]!, { flag: 'wx' });
  }
  return { dir, files: paths };
}

function packageName(folder: string): string {
  const name = folder.toLowerCase().replace(/[^a-z0-9._-]+/g, '-').replace(/^[._-]+/, '');
  return name === '' ? 'infrastructure' : name;
}
