// The render cache: what Helm rendered for one chart digest, values digest and render
// options, so an unchanged chart with unchanged values is never rendered twice. Content
// addressed (the key is a sha256 of everything the render depends on, the Helm build
// included), so entries never go stale; deleting the folder only costs a re-render.
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';

/**
 * Root of the render cache.
 * @default `$STRATA_CHARTS_CACHE`, else `$XDG_CACHE_HOME/strata/charts`, else `~/.cache/strata/charts`
 */
export function chartsCache(): string {
  const explicit = process.env['STRATA_CHARTS_CACHE'];
  if (explicit) return resolve(explicit);
  const xdg = process.env['XDG_CACHE_HOME'];
  return join(xdg ? resolve(xdg) : join(homedir(), '.cache'), 'strata', 'charts');
}

function entryPath(key: string): string {
  return join(chartsCache(), 'renders', key.slice(0, 2), `${key}.json`);
}

/** The cached render of `key`, if any (a corrupt entry counts as none). */
export function readRender<T>(key: string): T | undefined {
  const file = entryPath(key);
  if (!existsSync(file)) return undefined;
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as T;
  } catch {
    return undefined;
  }
}

/** Stores a render; atomic (write then rename), so a reader never sees half of one. */
export function writeRender(key: string, value: unknown): void {
  const file = entryPath(key);
  mkdirSync(join(file, '..'), { recursive: true });
  const temp = `${file}.${process.pid}.tmp`;
  writeFileSync(temp, JSON.stringify(value));
  renameSync(temp, file);
}
