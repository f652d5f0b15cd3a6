import { existsSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** Where a Strata project keeps its sources and output. */
export interface ProjectLayout {
  /** Absolute project root (holds `clusters/`). */
  readonly root: string;
  /** Absolute `clusters/` folder. */
  readonly clustersDir: string;
  /** Absolute cache folder for the type-check and the unchanged-output check: `<root>/.cache/strata`. */
  readonly cacheDir: string;
}

export function projectLayout(root: string): ProjectLayout {
  const absolute = resolve(root);
  return { root: absolute, clustersDir: join(absolute, 'clusters'), cacheDir: join(absolute, '.cache', 'strata') };
}

/** The entry of a cluster: `clusters/<name>/index.ts`. */
export function clusterEntry(layout: ProjectLayout, name: string): string {
  return join(layout.clustersDir, name, 'index.ts');
}

/** Every cluster of the project: the folders of `clusters/` with an `index.ts`, sorted. */
export function discoverClusters(layout: ProjectLayout): string[] {
  if (!existsSync(layout.clustersDir)) return [];
  return readdirSync(layout.clustersDir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && !entry.name.startsWith('.') && existsSync(clusterEntry(layout, entry.name)))
    .map((entry) => entry.name)
    .sort();
}
