/**
 * The per-environment image lock, `clusters/<env>/images.json`, whose shape the
 * construct library reads into `EnvironmentProfile.images`:
 *
 * ```json
 * { "images": { "checkout-api": "ghcr.io/shop/checkout-api:1.4.2" } }
 * ```
 *
 * Humans edit it; automation rewrites only the entries a policy owns, and does
 * so in place in the text: every other byte (order, indentation, other keys)
 * is kept, so a diff shows one line per changed image.
 */
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ImageFileError } from './errors.ts';

export const LOCK_FILE_NAME = 'images.json';

/** Where an environment's lock file lives under the project root. */
export function lockFilePath(root: string, environment: string): string {
  return path.join(root, 'clusters', environment, LOCK_FILE_NAME);
}

export interface ImageLock {
  readonly file: string;
  /** The text as read; rewrites splice into it. */
  readonly text: string;
  /** Component → image reference, in file order. */
  readonly images: ReadonlyMap<string, string>;
}

/** Reads and checks a lock file: a JSON object whose `images` maps names to strings. */
export async function readImageLock(file: string): Promise<ImageLock> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new ImageFileError(file, 'cannot read the image lock', { cause: error });
  }
  return parseImageLock(file, text);
}

export function parseImageLock(file: string, text: string): ImageLock {
  const spans = locateImages(file, text);
  return { file, text, images: new Map([...spans].map(([name, span]) => [name, span.value])) };
}

/**
 * The lock's text with `changes` (component → new reference) applied in place.
 * Throws when a component is not in the lock.
 */
export function rewriteImageLock(lock: ImageLock, changes: ReadonlyMap<string, string>): string {
  const spans = locateImages(lock.file, lock.text);
  const edits = [...changes].map(([name, ref]) => {
    const span = spans.get(name);
    if (span === undefined) throw new ImageFileError(lock.file, `images.${name}: not in the lock; add it by hand first`);
    return { ...span, replacement: JSON.stringify(ref) };
  });
  edits.sort((a, b) => b.start - a.start);
  let text = lock.text;
  for (const edit of edits) text = text.slice(0, edit.start) + edit.replacement + text.slice(edit.end);
  return text;
}

/** Writes the rewritten lock; returns whether anything changed. */
export async function writeImageLock(lock: ImageLock, changes: ReadonlyMap<string, string>): Promise<boolean> {
  const text = rewriteImageLock(lock, changes);
  if (text === lock.text) return false;
  await writeFile(lock.file, text);
  return true;
}

interface Span {
  readonly start: number;
  readonly end: number;
  readonly value: string;
}

/** Parses the JSON and returns the source span of each `images.<name>` string. */
function locateImages(file: string, text: string): Map<string, Span> {
  let root: unknown;
  try {
    root = JSON.parse(text);
  } catch (error) {
    throw new ImageFileError(file, 'not valid JSON', { cause: error });
  }
  if (typeof root !== 'object' || root === null || Array.isArray(root)) throw new ImageFileError(file, 'must be a JSON object');
  const images = (root as Record<string, unknown>).images;
  if (typeof images !== 'object' || images === null || Array.isArray(images)) throw new ImageFileError(file, '"images" must be an object of name → image reference');
  const wrong = Object.entries(images).filter(([, value]) => typeof value !== 'string');
  if (wrong.length > 0) throw new ImageFileError(file, wrong.map(([name]) => `images.${name}: must be a string`).join('; '));
  const scanner = new Scanner(text);
  const spans = new Map<string, Span>();
  scanner.object((key) => {
    if (key !== 'images') return scanner.skipValue();
    scanner.object((name) => {
      spans.set(name, scanner.string());
    });
  });
  return spans;
}

/** Just enough of a JSON reader to know where values start and end (the text is known to be valid). */
class Scanner {
  private pos = 0;
  constructor(private readonly text: string) {}

  object(onKey: (key: string) => void): void {
    this.expect('{');
    this.ws();
    if (this.peek() === '}') {
      this.pos++;
      return;
    }
    for (;;) {
      this.ws();
      const key = this.string().value;
      this.ws();
      this.expect(':');
      this.ws();
      onKey(key);
      this.ws();
      if (this.peek() === ',') {
        this.pos++;
        continue;
      }
      this.expect('}');
      return;
    }
  }

  string(): Span {
    this.ws();
    const start = this.pos;
    this.expect('"');
    while (this.text[this.pos] !== '"') this.pos += this.text[this.pos] === '\\' ? 2 : 1;
    this.pos++;
    return { start, end: this.pos, value: JSON.parse(this.text.slice(start, this.pos)) as string };
  }

  skipValue(): void {
    this.ws();
    const c = this.peek();
    if (c === '"') {
      this.string();
      return;
    }
    if (c === '{') {
      this.object(() => this.skipValue());
      return;
    }
    if (c === '[') {
      this.pos++;
      this.ws();
      if (this.peek() === ']') {
        this.pos++;
        return;
      }
      for (;;) {
        this.skipValue();
        this.ws();
        if (this.peek() === ',') {
          this.pos++;
          continue;
        }
        this.expect(']');
        return;
      }
    }
    while (this.pos < this.text.length && !/[\s,}\]]/.test(this.text[this.pos] ?? '')) this.pos++;
  }

  private ws(): void {
    while (/\s/.test(this.text[this.pos] ?? '')) this.pos++;
  }

  private peek(): string | undefined {
    return this.text[this.pos];
  }

  private expect(c: string): void {
    if (this.text[this.pos] !== c) throw new Error(`expected ${c} at offset ${this.pos}`);
    this.pos++;
  }
}
