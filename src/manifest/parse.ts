import { Composer, LineCounter, Parser, isScalar, visit, type Document, type Scalar } from 'yaml';
import { yamlCost, type YamlBound } from './_yaml-budget.ts';
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
  override readonly name: string = 'ManifestParseError';
  constructor(
    readonly file: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`${file}: ${message}`, options);
  }
}

export type ParseLimit = YamlBound;

/** A file passes one of the bounds of ParseOptions; nothing of the revision is parsed further. */
export class ManifestLimitError extends ManifestParseError {
  override readonly name: string = 'ManifestLimitError';
  constructor(
    file: string,
    readonly limit: ParseLimit,
    readonly count: number,
    readonly max: number,
    document?: number,
  ) {
    const what = limit === 'nodes' ? `takes the revision past ${max} YAML nodes in all` : `${document === undefined ? '' : `document ${document} `}has more than ${max} ${limit === 'nodes per document' ? 'YAML nodes' : limit}`;
    super(file, `${what} (limit ${LIMIT_OPTIONS[limit]}); refused before parsing`);
  }
}

const LIMIT_OPTIONS: Record<ParseLimit, keyof ParseOptions> = {
  documents: 'maxDocumentsPerFile',
  'nodes per document': 'maxNodesPerDocument',
  aliases: 'maxAliasCount',
  nodes: 'maxTotalNodes',
};

/**
 * What one revision may cost to parse. Each bound is checked by yaml's lexer before the
 * file is parsed (a few MB of heap whatever the file holds), so an over-limit file is
 * refused without building its nodes. A node is a scalar, an alias, a flow collection
 * or a block-sequence item; a block mapping is counted by its keys and values.
 */
export interface ParseOptions {
  /**
   * Most aliases (`*name`) one file may hold; more are refused, and so is a file whose
   * aliases expand to more than this many copies (an alias bomb).
   * @default 100
   */
  readonly maxAliasCount?: number;
  /** @default 1000 */
  readonly maxDocumentsPerFile?: number;
  /** @default 50000 */
  readonly maxNodesPerDocument?: number;
  /** Most nodes of all files together. @default 250000 */
  readonly maxTotalNodes?: number;
}

/** The defaults of ParseOptions, in one place for flags and docs. */
export const DEFAULT_PARSE_LIMITS: Required<ParseOptions> = {
  maxAliasCount: 100,
  maxDocumentsPerFile: 1000,
  maxNodesPerDocument: 50_000,
  maxTotalNodes: 250_000,
};

/**
 * Reads the YAML documents of each `.yaml`/`.yml`/`.json` file into a manifest set.
 * When `index.json` is among the files, every listed file must be present with the
 * listed digest and the listed kind, namespace and name, and no object may be missing
 * from it. Collects every error (each bad document of each file) and throws once (an
 * AggregateError of ManifestParseError) so one run reports all.
 */
export function parseManifestFiles(files: readonly ManifestFile[], options: ParseOptions = {}): ManifestSet {
  const limits = resolveLimits(options);
  const errors: Error[] = [];
  const inputs: { object: KubeObject; source: string }[] = [];
  const indexFile = files.find((file) => file.path === INDEX_FILE);
  let nodes = 0;
  for (const file of files) {
    if (file === indexFile || !/\.(ya?ml|json)$/i.test(file.path)) continue;
    const cost = yamlCost(file.text, {
      maxDocuments: limits.maxDocumentsPerFile,
      maxNodesPerDocument: limits.maxNodesPerDocument,
      maxAliases: limits.maxAliasCount,
      maxNodes: limits.maxTotalNodes - nodes,
    });
    if (cost.over) {
      const { bound, limit, document } = cost.over;
      // The revision's total is passed in this file: name the whole limit.
      const max = bound === 'nodes' ? limits.maxTotalNodes : limit;
      errors.push(new ManifestLimitError(file.path, bound, cost.over.count, max, bound === 'nodes per document' && cost.documents > 1 ? document : undefined));
      // Past the total, no later file can be parsed either.
      if (bound === 'nodes') break;
      continue;
    }
    nodes += cost.nodes;
    const parsed = parseObjects(file, cost.documents, limits.maxAliasCount);
    errors.push(...parsed.errors);
    for (const object of parsed.objects) inputs.push({ object, source: file.path });
  }
  if (indexFile) errors.push(...checkIndex(indexFile, files, inputs));
  if (errors.length > 0) throw new AggregateError(errors, errors.map((error) => error.message).join('\n'));
  return ManifestSet.of(inputs);
}

function resolveLimits(options: ParseOptions): Required<ParseOptions> {
  return {
    maxAliasCount: options.maxAliasCount ?? DEFAULT_PARSE_LIMITS.maxAliasCount,
    maxDocumentsPerFile: options.maxDocumentsPerFile ?? DEFAULT_PARSE_LIMITS.maxDocumentsPerFile,
    maxNodesPerDocument: options.maxNodesPerDocument ?? DEFAULT_PARSE_LIMITS.maxNodesPerDocument,
    maxTotalNodes: options.maxTotalNodes ?? DEFAULT_PARSE_LIMITS.maxTotalNodes,
  };
}

/**
 * The objects of one file and an error for each bad document. Documents are composed one
 * at a time (each one's nodes are dropped before the next is built); duplicate keys are
 * found with one lookup table per mapping, not yaml's pairwise scan, which took 70 s of CPU
 * on a mapping of 20,000 keys (a 320 KB file).
 */
function parseObjects(file: ManifestFile, documentCount: number, maxAliasCount: number): { objects: KubeObject[]; errors: ManifestParseError[] } {
  const objects: KubeObject[] = [];
  const errors: ManifestParseError[] = [];
  const lineCounter = new LineCounter();
  const documents = new Composer({ uniqueKeys: false }).compose(new Parser(lineCounter.addNewLine).parse(file.text));
  let position = 0;
  for (const document of documents) {
    position += 1;
    const where = documentCount > 1 ? ` (document ${position})` : '';
    const fail = (message: string, cause?: unknown) => errors.push(new ManifestParseError(file.path, message, cause === undefined ? undefined : { cause }));
    const [firstError] = document.errors;
    if (firstError) {
      fail(`invalid YAML${where}: ${firstError.message}${at(lineCounter, firstError.pos[0])}`, firstError);
      continue;
    }
    const duplicate = duplicateKey(document);
    if (duplicate) {
      fail(`invalid YAML${where}: map keys must be unique; ${JSON.stringify(String(duplicate.value))} is repeated${at(lineCounter, duplicate.range?.[0])}`);
      continue;
    }
    let value: unknown;
    try {
      // yaml counts the anchored node itself as one use: +1 lets exactly maxAliasCount aliases through.
      value = document.toJS({ maxAliasCount: maxAliasCount + 1 });
    } catch (error) {
      fail(`invalid YAML${where}: ${(error as Error).message} (its aliases expand to more than ${maxAliasCount} copies)`, error);
      continue;
    }
    if (value === null || value === undefined) continue;
    const list = isList(value);
    const items: unknown[] = isList(value) ? value.items : [value];
    items.forEach((item, index) => {
      const inList = list ? ` (item ${index + 1} of the List)` : '';
      if (!isKubeObject(item)) fail(`${documentCount > 1 ? `document ${position}` : 'the document'}${inList} is not a Kubernetes object: apiVersion, kind and metadata.name are required`);
      else objects.push(item);
    });
  }
  return { objects, errors };
}

function at(lineCounter: LineCounter, offset: number | undefined): string {
  if (offset === undefined) return '';
  const { line, col } = lineCounter.linePos(offset);
  return ` at line ${line}, column ${col}`;
}

/** The first key repeated in a mapping of the document (scalar keys compared by value, as yaml does). */
function duplicateKey(document: Document): Scalar | undefined {
  let found: Scalar | undefined;
  visit(document, {
    Map(_, map) {
      const seen = new Set<unknown>();
      for (const pair of map.items) {
        if (!isScalar(pair.key)) continue;
        if (seen.has(pair.key.value)) {
          found = pair.key;
          return visit.BREAK;
        }
        seen.add(pair.key.value);
      }
      return undefined;
    },
  });
  return found;
}

function isList(value: unknown): value is { items: unknown[] } {
  const record = value as { kind?: unknown; items?: unknown };
  return typeof record.kind === 'string' && record.kind.endsWith('List') && Array.isArray(record.items);
}

function checkIndex(indexFile: ManifestFile, files: readonly ManifestFile[], parsed: readonly { object: KubeObject; source: string }[]): Error[] {
  let index: ManifestIndex;
  try {
    index = JSON.parse(indexFile.text) as ManifestIndex;
  } catch (error) {
    return [new ManifestParseError(indexFile.path, `invalid JSON: ${(error as Error).message}`, { cause: error })];
  }
  if (!Array.isArray(index.objects)) return [new ManifestParseError(indexFile.path, 'field "objects" must be a list')];
  const byPath = new Map(files.map((file) => [file.path, file]));
  // What each file holds, as the index names it: `apiVersion Kind namespace/name`.
  const held = new Map<string, Set<string>>();
  for (const { object, source } of parsed) {
    const names = held.get(source) ?? new Set<string>();
    names.add(indexName(object.apiVersion, object.kind, object.metadata.namespace, object.metadata.name));
    held.set(source, names);
  }
  const listed = new Set<string>();
  const errors: Error[] = [];
  for (const entry of index.objects) {
    listed.add(entry.file);
    const file = byPath.get(entry.file);
    const name = indexName(entry.apiVersion, entry.kind, entry.namespace, entry.name);
    if (!file) errors.push(new ManifestParseError(entry.file, `listed in ${INDEX_FILE} but missing`));
    else if (sha256(file.text) !== entry.sha256) errors.push(new ManifestParseError(entry.file, `content does not match its sha256 in ${INDEX_FILE} (edited by hand? recompile with \`strata synth\`)`));
    else if (held.has(entry.file) && !held.get(entry.file)?.delete(name)) {
      errors.push(new ManifestParseError(entry.file, `${INDEX_FILE} lists ${name}, which the file does not hold`));
    }
  }
  for (const [file, names] of held) {
    // Files with a parse error are reported already; what is left was not listed.
    if (listed.has(file)) for (const name of names) errors.push(new ManifestParseError(file, `holds ${name}, which ${INDEX_FILE} does not list`));
  }
  for (const file of files) {
    if (file !== indexFile && /\.(ya?ml|json)$/i.test(file.path) && !listed.has(file.path)) {
      errors.push(new ManifestParseError(file.path, `not listed in ${INDEX_FILE}`));
    }
  }
  return errors;
}

function indexName(apiVersion: unknown, kind: unknown, namespace: unknown, name: unknown): string {
  return `${String(apiVersion)} ${String(kind)} ${namespace ? `${String(namespace)}/` : ''}${String(name)}`;
}
