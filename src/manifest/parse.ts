import { parseAllDocuments } from 'yaml';
import { sha256 } from './canonical.ts';
import { INDEX_FILE, ManifestSet, type ManifestIndex } from './manifest-set.ts';
import { isKubeObject, type KubeObject } from './object.ts';

/** A file of a manifest directory, already read: the path relative to the directory and its text. */
export interface ManifestFile {
  readonly path: string;
  readonly text: string;
}

/** Raised for a file that does not hold valid Kubernetes objects; names the file and, when known, the document. */
export class ManifestParseError extends Error {
  override readonly name = 'ManifestParseError';
  constructor(
    readonly file: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`${file}: ${message}`, options);
  }
}

export interface ParseOptions {
  /**
   * Most aliases one YAML file may expand; guards against alias bombs.
   * @default 100
   */
  readonly maxAliasCount?: number;
}

/**
 * Reads the YAML documents of each `.yaml`/`.yml`/`.json` file into a manifest set.
 * When `index.json` is among the files, every listed file must be present with the
 * listed digest and no object may be missing from it. Collects every error and
 * throws once (an AggregateError of ManifestParseError) so one bad file reports all.
 */
export function parseManifestFiles(files: readonly ManifestFile[], options: ParseOptions = {}): ManifestSet {
  const maxAliasCount = options.maxAliasCount ?? 100;
  const errors: Error[] = [];
  const inputs: { object: KubeObject; source: string }[] = [];
  const indexFile = files.find((file) => file.path === INDEX_FILE);
  for (const file of files) {
    if (file === indexFile || !/\.(ya?ml|json)$/i.test(file.path)) continue;
    try {
      for (const object of parseObjects(file, maxAliasCount)) inputs.push({ object, source: file.path });
    } catch (error) {
      errors.push(error instanceof ManifestParseError ? error : new ManifestParseError(file.path, String(error), { cause: error }));
    }
  }
  if (indexFile) errors.push(...checkIndex(indexFile, files));
  if (errors.length > 0) throw new AggregateError(errors, errors.map((error) => error.message).join('\n'));
  return ManifestSet.of(inputs);
}

function parseObjects(file: ManifestFile, maxAliasCount: number): KubeObject[] {
  const objects: KubeObject[] = [];
  const documents = parseAllDocuments(file.text, { prettyErrors: true, uniqueKeys: true });
  if (!Array.isArray(documents)) return objects; // an empty stream
  documents.forEach((document, position) => {
    const where = documents.length > 1 ? ` (document ${position + 1})` : '';
    const [firstError] = document.errors;
    if (firstError) throw new ManifestParseError(file.path, `invalid YAML${where}: ${firstError.message}`, { cause: firstError });
    const value: unknown = document.toJS({ maxAliasCount });
    if (value === null || value === undefined) return;
    const items = isList(value) ? value.items : [value];
    for (const item of items) {
      if (!isKubeObject(item)) throw new ManifestParseError(file.path, `document${where} is not a Kubernetes object: apiVersion, kind and metadata.name are required`);
      objects.push(item);
    }
  });
  return objects;
}

function isList(value: unknown): value is { items: unknown[] } {
  const record = value as { kind?: unknown; items?: unknown };
  return typeof record.kind === 'string' && record.kind.endsWith('List') && Array.isArray(record.items);
}

function checkIndex(indexFile: ManifestFile, files: readonly ManifestFile[]): Error[] {
  let index: ManifestIndex;
  try {
    index = JSON.parse(indexFile.text) as ManifestIndex;
  } catch (error) {
    return [new ManifestParseError(indexFile.path, `invalid JSON: ${(error as Error).message}`, { cause: error })];
  }
  if (!Array.isArray(index.objects)) return [new ManifestParseError(indexFile.path, 'field "objects" must be a list')];
  const byPath = new Map(files.map((file) => [file.path, file]));
  const listed = new Set<string>();
  const errors: Error[] = [];
  for (const entry of index.objects) {
    listed.add(entry.file);
    const file = byPath.get(entry.file);
    if (!file) errors.push(new ManifestParseError(entry.file, `listed in ${INDEX_FILE} but missing`));
    else if (sha256(file.text) !== entry.sha256) errors.push(new ManifestParseError(entry.file, `content does not match its sha256 in ${INDEX_FILE} (edited by hand? recompile with \`strata synth\`)`));
  }
  for (const file of files) {
    if (file !== indexFile && /\.(ya?ml|json)$/i.test(file.path) && !listed.has(file.path)) {
      errors.push(new ManifestParseError(file.path, `not listed in ${INDEX_FILE}`));
    }
  }
  return errors;
}
