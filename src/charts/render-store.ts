// The committed renders: `charts/renders/<key>.json.gz` in the project, one per chart render
// the clusters use, keyed like the machine's render cache (chart digest, values digest,
// release, namespace, Capabilities, the pinned Helm's go.mod/go.sum). `strata synth` takes a
// render from here before it asks Helm, so a fresh clone compiles without building Helm and
// without the network; `strata check` renders every chart with the real Helm and reports a
// committed render that is missing, different or unused like a stale file of deploy/.
//
// The compiler opens a session around each compile (see RenderSession); HelmChart records
// every render it used into it. Kept on globalThis because the compiler loads each cluster's
// module graph under its own loader namespace, so this module may be loaded more than once.
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import type { RenderedObject } from './render.ts';

/** The committed renders' folder, relative to the project root. */
export const RENDERS_DIR = join('charts', 'renders');
const SUFFIX = '.json.gz';

/** What a committed render says about itself (for people reading it), then the objects. */
export interface StoredRender {
  readonly chart: string;
  readonly version: string;
  readonly digest: string;
  readonly helm: string;
  readonly releaseName: string;
  readonly namespace: string;
  readonly objects: readonly RenderedObject[];
}

/** How a compile uses the committed renders: `synth` reads them first; `verify` renders afresh to compare. */
export type RenderMode = 'synth' | 'verify';

/** The renders one compile used, by key, and where the committed ones live. */
export interface RenderSession {
  /** Absolute path of `charts/renders/`. */
  readonly dir: string;
  readonly mode: RenderMode;
  /** Every render a HelmChart of this compile used, by key. */
  readonly used: Map<string, StoredRender>;
}

const SESSION = Symbol.for('strata.charts.renderSession');
type Holder = { [SESSION]?: RenderSession };

/** The session of the compile running now, if any (a test or script outside the compiler has none). */
export function renderSession(): RenderSession | undefined {
  return (globalThis as Holder)[SESSION];
}

/** Runs `fn` with a render session on `<root>/charts/renders/`; returns its result and the session. */
export async function withRenderSession<T>(root: string, mode: RenderMode, fn: () => Promise<T>): Promise<{ readonly result: T; readonly session: RenderSession }> {
  const holder = globalThis as Holder;
  const previous = holder[SESSION];
  const session: RenderSession = { dir: join(root, RENDERS_DIR), mode, used: new Map() };
  holder[SESSION] = session;
  try {
    return { result: await fn(), session };
  } finally {
    if (previous === undefined) delete holder[SESSION];
    else holder[SESSION] = previous;
  }
}

/** File name of a render. */
export function renderFile(key: string): string {
  return `${key}${SUFFIX}`;
}

/** The canonical text of a stored render: JSON indented by one space, with a final newline. */
export function renderText(render: StoredRender): string {
  return `${JSON.stringify(render, null, 1)}\n`;
}

/** The bytes of a render file: its text gzipped (Node's gzip writes no time stamp). */
export function encodeRender(render: StoredRender): Buffer {
  return gzipSync(Buffer.from(renderText(render)), { level: 9 });
}

/** The JSON text of a committed render file (undefined when missing or not gzip). */
export function committedText(dir: string, key: string): string | undefined {
  const file = join(dir, renderFile(key));
  if (!existsSync(file)) return undefined;
  try {
    return gunzipSync(readFileSync(file)).toString('utf8');
  } catch {
    return undefined;
  }
}

/** The committed render of `key`, if there is a readable one. */
export function readCommitted(dir: string, key: string): StoredRender | undefined {
  const text = committedText(dir, key);
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text) as StoredRender;
  } catch {
    return undefined;
  }
}

/** Keys of every committed render. */
export function committedKeys(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((name) => name.endsWith(SUFFIX))
    .map((name) => name.slice(0, -SUFFIX.length))
    .sort();
}

/** What {@link storeRenders} did: file names relative to `charts/renders/`. */
export interface StoreResult {
  readonly written: readonly string[];
  readonly removed: readonly string[];
}

/**
 * Writes each used render that is not committed yet (or whose file is unreadable or
 * different); with `prune`, removes committed renders no cluster used (only safe when every
 * cluster was compiled). Existing equal files are left alone, so their bytes never churn.
 */
export function storeRenders(session: RenderSession, prune: boolean): StoreResult {
  const written: string[] = [];
  const removed: string[] = [];
  for (const [key, render] of [...session.used].sort(([a], [b]) => (a < b ? -1 : 1))) {
    if (committedText(session.dir, key) === renderText(render)) continue;
    mkdirSync(session.dir, { recursive: true });
    const file = join(session.dir, renderFile(key));
    const temp = `${file}.${process.pid}.tmp`;
    writeFileSync(temp, encodeRender(render));
    renameSync(temp, file);
    written.push(renderFile(key));
  }
  if (prune) {
    for (const key of committedKeys(session.dir)) {
      if (session.used.has(key)) continue;
      rmSync(join(session.dir, renderFile(key)), { force: true });
      removed.push(renderFile(key));
    }
  }
  return { written, removed };
}
