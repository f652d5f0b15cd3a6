import { compareStrings } from './kind-order.ts';

/**
 * A YAML emitter for JSON data (objects, arrays, strings, finite numbers, booleans,
 * null), written for speed and for readers on both YAML 1.2 (the `yaml` library)
 * and YAML 1.1 (kubectl's sigs.k8s.io/yaml, go-yaml v2):
 *
 * - block mappings and sequences, two-space indent, sequences indented under their key;
 * - keys in byte order, except the fixed top-level order (`apiVersion`, `kind`,
 *   `metadata`) and `name`, `namespace` first in metadata;
 * - a string is written plain only when neither YAML 1.1 nor 1.2 could read it as
 *   anything else (numbers, booleans incl. yes/no/on/off, nulls, dates, octal,
 *   sexagesimal, merge keys, indicators); multi-line strings as literal blocks
 *   (`|`, `|-`, `|+`); everything else double-quoted with escapes.
 *
 * Pure string work with no runtime-specific API, so Node and Deno write the same bytes.
 * The property test in test/manifest/yaml-emitter.test.ts proves `parse(emit(x))` equals `x`.
 */
export function emitYaml(value: unknown, rootOrder: readonly string[] = NO_ORDER, childOrder: ChildOrder = NO_CHILD_ORDER): string {
  if (isMapping(value)) {
    const keys = sortedKeys(value, rootOrder);
    if (keys.length === 0) return '{}\n';
    return emitBlock(value, keys, '', '', childOrder);
  }
  if (Array.isArray(value)) {
    if (value.length === 0) return '[]\n';
    return emitBlock(value, null, '', '', NO_CHILD_ORDER);
  }
  // A document-level scalar has no indentation for a literal block to use, so it is quoted.
  return `${typeof value === 'string' && !isPlainSafe(value) ? doubleQuoted(value) : scalar(value, '')}\n`;
}

/** Key order for the children of some top-level keys (e.g. `metadata` → `name`, `namespace` first). */
export type ChildOrder = Readonly<Record<string, readonly string[]>>;

const NO_ORDER: readonly string[] = [];
const NO_CHILD_ORDER: ChildOrder = {};

type Mapping = Record<string, unknown>;

function isMapping(value: unknown): value is Mapping {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function sortedKeys(record: Mapping, first: readonly string[]): string[] {
  let keys = Object.keys(record);
  for (let index = 0; index < keys.length; index += 1) {
    if (record[keys[index]!] === undefined) {
      keys = keys.filter((key) => record[key] !== undefined);
      break;
    }
  }
  if (first.length === 0) {
    // Objects from cdk8s usually arrive sorted already; the default sort compares UTF-16
    // code units, the same order as compareStrings.
    for (let index = 1; index < keys.length; index += 1) if (keys[index - 1]! > keys[index]!) return keys.sort();
    return keys;
  }
  return keys.sort((a, b) => {
    const ia = first.indexOf(a);
    const ib = first.indexOf(b);
    if (ia >= 0 || ib >= 0) return (ia < 0 ? Number.MAX_SAFE_INTEGER : ia) - (ib < 0 ? Number.MAX_SAFE_INTEGER : ib);
    return compareStrings(a, b);
  });
}

/**
 * The body of a non-empty mapping (`keys` in the order to write) or sequence (`keys` null), each line
 * indented by `indent` except the first, which `firstIndent` starts (a sequence item's `- `): the first
 * line of a nested block shares the dash's line, and is written in place (slicing the nested text off
 * afterwards would copy it once per level). `childOrder` orders the values of some keys (top level only).
 * One recursive function for mappings, sequences and what follows a key, rather than one each: the
 * optimising compiler then compiles the walk once, where the separate functions each inlined the others
 * and were each compiled with the rest inside them, which at 1k objects cost about as much CPU as the walk.
 */
function emitBlock(value: Mapping | readonly unknown[], keys: readonly string[] | null, indent: string, firstIndent: string, childOrder: ChildOrder): string {
  let out = '';
  const inner = indent + '  ';
  if (keys !== null) {
    const record = value as Mapping;
    let lead = firstIndent;
    for (const key of keys) {
      const item = record[key];
      out += lead + keyText(key);
      if (isMapping(item)) {
        const itemKeys = sortedKeys(item, childOrder !== NO_CHILD_ORDER && Object.hasOwn(childOrder, key) ? childOrder[key]! : NO_ORDER);
        out += itemKeys.length === 0 ? ' {}\n' : '\n' + emitBlock(item, itemKeys, inner, inner, NO_CHILD_ORDER);
      } else if (Array.isArray(item)) {
        out += item.length === 0 ? ' []\n' : '\n' + emitBlock(item, null, inner, inner, NO_CHILD_ORDER);
      } else {
        out += ' ' + scalar(item, inner) + '\n';
      }
      lead = indent;
    }
    return out;
  }
  const items = value as readonly unknown[];
  const dashes = indent + '- ';
  let dash = firstIndent + '- ';
  for (const item of items) {
    if (isMapping(item)) {
      const itemKeys = sortedKeys(item, NO_ORDER);
      out += itemKeys.length === 0 ? dash + '{}\n' : emitBlock(item, itemKeys, inner, dash, NO_CHILD_ORDER);
    } else if (Array.isArray(item)) {
      out += item.length === 0 ? dash + '[]\n' : emitBlock(item, null, inner, dash, NO_CHILD_ORDER);
    } else {
      out += dash + scalar(item, inner) + '\n';
    }
    dash = dashes;
  }
  return out;
}

// Keys repeat across objects (apiVersion, metadata, labels, containers...): remembering
// how each was written saves the checks. Bounded, so a huge ConfigMap cannot grow it forever.
const keyCache = new Map<string, string>();
const KEY_CACHE_LIMIT = 50_000;

function keyText(key: string): string {
  let text = keyCache.get(key);
  if (text === undefined) {
    text = (isPlainSafe(key) ? key : doubleQuoted(key)) + ':';
    if (keyCache.size >= KEY_CACHE_LIMIT) keyCache.clear();
    keyCache.set(key, text);
  }
  return text;
}

/** A scalar's text; `indent` is the indentation of a literal block's lines. */
function scalar(value: unknown, indent: string): string {
  switch (typeof value) {
    case 'string':
      return stringText(value, indent);
    case 'number':
      if (Number.isFinite(value)) return Object.is(value, -0) ? '-0' : String(value);
      return Number.isNaN(value) ? '.nan' : value > 0 ? '.inf' : '-.inf';
    case 'boolean':
      return value ? 'true' : 'false';
    case 'undefined':
      return 'null'; // as JSON.stringify writes undefined array items
    case 'object':
      if (value === null) return 'null';
      break;
    default:
      break;
  }
  throw new TypeError(`cannot write a ${typeof value} as YAML: only JSON data (objects, arrays, strings, numbers, booleans, null)`);
}

function stringText(text: string, indent: string): string {
  if (isPlainSafe(text)) return text;
  if (isLiteralSafe(text)) return literalBlock(text, indent);
  return doubleQuoted(text);
}

// Common Kubernetes strings (names, images, paths, label values) pass this test alone.
const SIMPLE_PLAIN = /^[A-Za-z_/][A-Za-z0-9_./-]*$/;
// Printable characters that need no escaping anywhere (tab, line breaks and
// YAML 1.1's NEL, LS and PS excluded: those are written escaped).
// Surrogates pass here and are checked for pairing by LONE_SURROGATE.
const UNSAFE_CHAR = /[^\x20-\x7E\xA0-\u2027\u202A-\uFEFE\uFF00-\uFFFD]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const UNSAFE_CHAR_MULTILINE = /[^\n\x20-\x7E\xA0-\u2027\u202A-\uFEFE\uFF00-\uFFFD]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
// Words that YAML 1.1 or 1.2 read as booleans or nulls (any case; quoting more is harmless).
const RESERVED_WORD = /^(?:y|n|yes|no|on|off|true|false|null|~|=|<<)$/i;
// Anything number-like in YAML 1.1 or 1.2: ints, floats, hex, octal (0o and 0-prefixed),
// binary, sexagesimal, underscores, dates and timestamps, .inf and .nan.
// YAML 1.1 also reads `.`, `._` and `+.5e+1` as floats.
const NUMBER_LIKE = /^[-+]?(?:[0-9]|\.[0-9]|\.inf$|\.nan$|\.[0-9._]*(?:[eE][-+]?[0-9]+)?$)/i;
// Characters that may not open a plain scalar.
const INDICATOR_FIRST = /^[-?:,[\]{}#&*!|>'"%@`<=\s]/;

/** True when `text` can be written without quotes and reads back as the same string in YAML 1.1 and 1.2. */
export function isPlainSafe(text: string): boolean {
  if (SIMPLE_PLAIN.test(text)) return !RESERVED_WORD.test(text);
  if (text === '' || UNSAFE_CHAR.test(text)) return false;
  if (INDICATOR_FIRST.test(text) || NUMBER_LIKE.test(text) || RESERVED_WORD.test(text)) return false;
  const last = text.charCodeAt(text.length - 1);
  if (last === 0x20 || last === 0x3a /* : */ || text.startsWith('...')) return false;
  // `: ` starts a value and ` #` a comment; tabs are whitespace in both.
  return !text.includes(': ') && !text.includes(' #') && !text.includes(':\t');
}

/**
 * True when a multi-line string can be a literal block: printable, no carriage returns,
 * and a first line that sets the indentation (not empty, not starting with a space).
 */
function isLiteralSafe(text: string): boolean {
  if (!text.includes('\n')) return false;
  const first = text.charCodeAt(0);
  if (first === 0x20 || first === 0x0a) return false;
  if (UNSAFE_CHAR_MULTILINE.test(text)) return false;
  // A block that is only line breaks after its first line is fine; one whose content
  // lines are all empty would confuse the indentation, which the first-line rule excludes.
  return true;
}

function literalBlock(text: string, indent: string): string {
  let body = text;
  let chomp: string;
  if (!text.endsWith('\n')) chomp = '-';
  else if (text.endsWith('\n\n')) chomp = '+';
  else chomp = '';
  if (chomp !== '-') body = text.slice(0, -1);
  let out = '|' + chomp;
  for (const line of body.split('\n')) out += line === '' ? '\n' : '\n' + indent + line;
  return out;
}

const ESCAPES: Readonly<Record<string, string>> = {
  '\0': '\\0',
  '\x07': '\\a',
  '\b': '\\b',
  '\t': '\\t',
  '\n': '\\n',
  '\v': '\\v',
  '\f': '\\f',
  '\r': '\\r',
  '\x1b': '\\e',
  '"': '\\"',
  '\\': '\\\\',
  '\x85': '\\N',
  '\u2028': '\\L',
  '\u2029': '\\P',
};

// What double quotes must escape: `"`, `\`, and every character outside the safe set
// (including lone surrogates, which have no UTF-8 form). NBSP is kept literal.
const NEEDS_ESCAPE = /["\\]|[^\x20-\x7E\xA0-\u2027\u202A-\uFEFE\uFF00-\uFFFD]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

function doubleQuoted(text: string): string {
  return '"' + text.replace(NEEDS_ESCAPE, escapeChar) + '"';
}

function escapeChar(char: string): string {
  const known = ESCAPES[char];
  if (known !== undefined) return known;
  const code = char.charCodeAt(0);
  return code <= 0xff ? '\\x' + hex(code, 2) : '\\u' + hex(code, 4);
}

function hex(code: number, width: number): string {
  return code.toString(16).toUpperCase().padStart(width, '0');
}
