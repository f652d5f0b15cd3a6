/**
 * @internal Reading and writing the text of a SOPS document: one YAML document (or a JSON
 * object) as a `yaml` Document, so comments and key order survive; aliases expanded as sops does.
 */
import { isMap, isScalar, parseAllDocuments, parseDocument, type Document, type Node } from 'yaml';
import { expandAliases } from './_walk.ts';
import { SopsFormatError } from './errors.ts';

export type SopsFormat = 'yaml' | 'json';

export function parse(text: string, format: SopsFormat, source: string): Document {
  const docs = format === 'json' ? [parseDocument(text, { schema: 'core', uniqueKeys: true, prettyErrors: false })] : parseAllDocs(text, source);
  const doc = docs[0];
  if (!doc) throw new SopsFormatError(source, 'the file is empty');
  const [error] = doc.errors;
  if (error) {
    const before = text.slice(0, error.pos[0]).split('\n');
    const [line, col] = [before.length, (before.at(-1)?.length ?? 0) + 1];
    // The parser's message can quote the text, which may be plaintext: report only the code and position.
    throw new SopsFormatError(source, `invalid ${format === 'json' ? 'JSON' : 'YAML'} (${error.code}) at line ${line}, column ${col}`);
  }
  if (!isMap(doc.contents)) throw new SopsFormatError(source, 'the document is not a mapping; SOPS documents must be mappings');
  expandAliases(doc);
  return doc;
}

function parseAllDocs(text: string, source: string): Document[] {
  const all = parseAllDocuments(text, { prettyErrors: false, uniqueKeys: true });
  if (!Array.isArray(all)) return [];
  if (all.length > 1) throw new SopsFormatError(source, `holds ${all.length} YAML documents; Strata encrypts one document a file`);
  return all;
}

export function serialize(doc: Document, format: SopsFormat): string {
  if (format === 'json') return `${toJson(doc.contents as Node, '')}\n`;
  return doc.toString({ lineWidth: 0, minContentWidth: 0 });
}

function toJson(node: unknown, indent: string): string {
  const inner = `${indent}    `;
  if (isMap(node)) {
    if (node.items.length === 0) return '{}';
    const parts = node.items.map((pair) => `${inner}${JSON.stringify(String(isScalar(pair.key) ? pair.key.value : pair.key))}: ${toJson(pair.value, inner)}`);
    return `{\n${parts.join(',\n')}\n${indent}}`;
  }
  if (node !== null && typeof node === 'object' && 'items' in node && Array.isArray((node as { items: unknown[] }).items)) {
    const items = (node as { items: unknown[] }).items;
    if (items.length === 0) return '[]';
    return `[\n${items.map((item) => `${inner}${toJson(item, inner)}`).join(',\n')}\n${indent}]`;
  }
  const value = isScalar(node) ? node.value : node;
  if (value === undefined || value === null) return 'null';
  if (typeof value === 'number' && !Number.isFinite(value)) return JSON.stringify(String(value));
  if (typeof value === 'bigint') return value.toString();
  return JSON.stringify(value);
}
