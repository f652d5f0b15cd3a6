// Where this Strata installation lives: a checkout of the repository (TypeScript sources
// under src/), or the published package in a project's node_modules (JavaScript under dist/).
import { existsSync, readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The package's name on the npm registry (the construct library is imported by it). */
export const PACKAGE_NAME = 'strata-gitops';

/**
 * The installation's root: the nearest folder above `from` holding a package.json (two levels
 * up from `src/<room>/`, three from `dist/src/<room>/`, one from the agent bundle in `dist/`).
 */
export function installationRoot(from: string = dirname(fileURLToPath(import.meta.url))): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir) return join(dirname(fileURLToPath(import.meta.url)), '..', '..');
  }
}

/** The installation's version (package.json), or `0.0.0` when it cannot be read. */
export function installationVersion(root: string = installationRoot()): string {
  try {
    return (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version?: string }).version ?? '0.0.0';
  } catch {
    return '0.0.0';
  }
}

/**
 * The node_modules a fresh clone of a project compiles with when it has none: the folder the
 * package is installed in (its dependencies sit beside it there, and it resolves itself by
 * name), or a checkout's own node_modules.
 */
export function installationNodeModules(root: string = installationRoot()): string {
  return basename(dirname(root)) === 'node_modules' ? dirname(root) : join(root, 'node_modules');
}

/** The agent image `strata install` and `strata bootstrap` use unless told otherwise. */
export function defaultAgentImage(root: string = installationRoot()): string {
  return `strata/agent:${installationVersion(root)}`;
}
