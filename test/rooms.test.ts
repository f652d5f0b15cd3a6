// The agent's rooms import one way (api <- kube <- engine <- reconciler, images <- agent; git and
// the manifest model below them all), across rooms only through a room's index.ts, and nothing
// outside a room imports its `_` files.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO } from './compiler/_project.ts';

/** The rooms each room may import (besides itself). */
const MAY_IMPORT: Readonly<Record<string, readonly string[]>> = {
  manifest: [],
  git: [],
  api: ['manifest'],
  kube: ['api', 'manifest'],
  engine: ['kube', 'api', 'manifest'],
  secrets: ['manifest'],
  reconciler: ['engine', 'kube', 'api', 'git', 'secrets', 'manifest'],
  images: ['kube', 'api', 'git', 'manifest'],
  ui: ['gitops', 'compiler', 'reconciler', 'images', 'engine', 'kube', 'api', 'git', 'manifest'],
  agent: ['reconciler', 'images', 'engine', 'kube', 'api', 'git', 'secrets', 'manifest'],
};

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'node_modules' ? [] : filesUnder(full);
    return entry.name.endsWith('.ts') ? [full] : [];
  });
}

/** `[importing file, imported file]` for every relative import of `files`. */
function importsOf(files: readonly string[]): [string, string][] {
  return files.flatMap((file) =>
    [...readFileSync(file, 'utf8').matchAll(/(?:from|import)\s*\(?\s*'(\.\.?\/[^']+)'/g)].map((match): [string, string] => [file, path.resolve(path.dirname(file), match[1] ?? '')]),
  );
}

const roomOf = (file: string): string | undefined => {
  const relative = path.relative(path.join(REPO, 'src'), file);
  return relative.startsWith('..') ? undefined : relative.split(path.sep)[0];
};

describe('the rooms of src/', () => {
  it('import one way, across rooms only through index.ts', () => {
    const wrong: string[] = [];
    for (const [file, target] of importsOf(Object.keys(MAY_IMPORT).flatMap((room) => filesUnder(path.join(REPO, 'src', room))))) {
      const from = roomOf(file) ?? '';
      const to = roomOf(target) ?? '';
      if (from === to) continue;
      const where = `${path.relative(REPO, file)} imports ${path.relative(REPO, target)}`;
      if (!(MAY_IMPORT[from] ?? []).includes(to)) wrong.push(`${where}: ${from} may not import ${to}`);
      else if (to in MAY_IMPORT && to !== 'secrets' && path.basename(target) !== 'index.ts') wrong.push(`${where}: import the room's index.ts`);
    }
    expect(wrong).toEqual([]);
  });

  it('keep their _ files to themselves', () => {
    const rooms = new Set(['api', 'kube', 'engine', 'reconciler', 'images', 'agent', 'git']);
    const files = ['src', 'cli', 'bench'].flatMap((dir) => filesUnder(path.join(REPO, dir)));
    const wrong = importsOf(files)
      .filter(([file, target]) => path.basename(target).startsWith('_') && rooms.has(roomOf(target) ?? '') && roomOf(file) !== roomOf(target))
      .map(([file, target]) => `${path.relative(REPO, file)} imports ${path.relative(REPO, target)}`);
    expect(wrong).toEqual([]);
  });
});
