// Where charts are looked up: the project root the compiler is compiling. The compiler sets
// it around each cluster's synthesis; elsewhere (a test, a script) it is the current folder.
// Kept on globalThis because the compiler loads each cluster's module graph under its own
// loader namespace, so this module may be loaded more than once in one process.
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { CHART_LOCK_FILE } from './lock-file.ts';

const ROOT = Symbol.for('strata.charts.root');
type Holder = { [ROOT]?: string };

/**
 * The project root charts resolve against.
 * @default the root set by {@link withChartsRoot}, else the nearest folder at or above the
 *   current one that has charts/lock.json, else the current folder
 */
export function chartsRoot(): string {
  const set = (globalThis as Holder)[ROOT];
  if (set !== undefined) return set;
  let dir = process.cwd();
  for (;;) {
    if (existsSync(join(dir, CHART_LOCK_FILE))) return dir;
    const parent = dirname(dir);
    if (parent === dir) return process.cwd();
    dir = parent;
  }
}

/** Runs `fn` with charts resolving against `root`. */
export function withChartsRoot<T>(root: string, fn: () => T): T {
  const holder = globalThis as Holder;
  const previous = holder[ROOT];
  holder[ROOT] = resolve(root);
  try {
    return fn();
  } finally {
    if (previous === undefined) delete holder[ROOT];
    else holder[ROOT] = previous;
  }
}
