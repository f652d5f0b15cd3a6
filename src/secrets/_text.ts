/**
 * @internal Reading and writing the text of a SOPS document: one YAML document (or a JSON
 * object) as a `yaml` Document, so comments and key order survive; aliases expanded as sops does.
 */
import { Scalar, isMap, isScalar, parseAllDocuments, parseDocument, visit, type Document, type Node } from 'yaml';
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

/**
 * NEL, LS and PS: line breaks to YAML 1.1 readers (go-yaml, so sops and kubectl) even inside
 * quotes, plain characters to YAML 1.2, so the `yaml` library writes them raw and sops then
 * cannot read the file. Written as double-quoted escapes, which both versions read back.
 */
const YAML_11_BREAKS = /[\u0085\u2028\u2029]/g;
const YAML_11_BREAK_ESCAPES: Record<string, string> = { '\u0085': '\\N', '\u2028': '\\L', '\u2029': '\\P' };

export function serialize(doc: Document, format: SopsFormat): string {
  if (format === 'json') return `${toJson(doc.contents as Node, '')}\n`;
  let breaks = false;
  visit(doc, {
    Scalar(_, node) {
      if (typeof node.value !== 'string' || node.value.search(YAML_11_BREAKS) < 0) return;
      node.type = Scalar.QUOTE_DOUBLE;
      breaks = true;
    },
  });
  const text = doc.toString({ lineWidth: 0, minContentWidth: 0 });
  // Every scalar holding one is double-quoted now; elsewhere (a comment) the escape is only text.
  return breaks || text.search(YAML_11_BREAKS) >= 0 ? text.replace(YAML_11_BREAKS, (ch) => YAML_11_BREAK_ESCAPES[ch] ?? ch) : text;
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
