/**
 * @internal Walks a `yaml` Document the way sops walks its tree: mapping keys build the
 * path (list items add nothing), leaves in document order, comment lines visited where
 * sops' YAML store puts them, with the stack of comments active at each level.
 * Comments and key order are kept because the visitor edits the nodes in place.
 */
import { Scalar, isAlias, isMap, isScalar, isSeq, visit, type Document, type Node, type YAMLMap, type YAMLSeq } from 'yaml';

export type CommentsStack = string[][];

export interface TreeVisitor {
  /** Called for every non-null scalar value; may change `node.value`. */
  leaf(node: Scalar, path: readonly string[], stack: CommentsStack): void;
  /** Called for every non-empty comment line (without the `#`); returns the line to keep. */
  comment(line: string, path: readonly string[], stack: CommentsStack): string;
}

/** Thrown for a mapping key that is not a string (sops supports string keys only). */
export class NonStringKeyError extends Error {
  override readonly name = 'NonStringKeyError';
  constructor(readonly path: readonly string[]) {
    super(`a mapping key under ${path.length === 0 ? 'the document root' : path.join(':')} is not a string; SOPS supports string keys only`);
  }
}

/** Replaces every alias by a copy of its anchored node, as sops' YAML store does. */
export function expandAliases(doc: Document): void {
  visit(doc, {
    Alias(_key, node) {
      const target = node.resolve(doc);
      if (!target) return undefined;
      const copy = target.clone() as Node;
      return copy;
    },
  });
  visit(doc, {
    Node(_key, node) {
      if ('anchor' in node) (node as { anchor?: string }).anchor = undefined;
    },
  });
}

export function walkDocument(doc: Document, visitor: TreeVisitor): void {
  const stack: CommentsStack = [[]];
  doc.commentBefore = comments(doc.commentBefore, [], stack, visitor) ?? null;
  const root = doc.contents;
  if (isMap(root)) walkMap(root, [], [], visitor, false);
  doc.comment = comments(doc.comment, [], stack, visitor) ?? null;
}

function comments(text: string | null | undefined, path: readonly string[], stack: CommentsStack, visitor: TreeVisitor): string | null | undefined {
  if (text === null || text === undefined || text === '') return text;
  const level = stack[stack.length - 1] as string[];
  return text
    .split('\n')
    .map((line) => {
      if (line.trim() === '') return line;
      level.push(line);
      return visitor.comment(line, path, stack);
    })
    .join('\n');
}

function keyString(key: unknown, path: readonly string[]): string {
  if (isScalar(key) && typeof key.value === 'string') return key.value;
  if (typeof key === 'string') return key;
  throw new NonStringKeyError(path);
}

function walkMap(map: YAMLMap, path: readonly string[], parentStack: CommentsStack, visitor: TreeVisitor, handled: boolean): void {
  const stack: CommentsStack = [...parentStack, []];
  const level = stack.length - 1;
  if (!handled) map.commentBefore = comments(map.commentBefore, path, stack, visitor);
  for (const pair of map.items) {
    const key = pair.key;
    if (isScalar(key)) key.commentBefore = comments(key.commentBefore, path, stack, visitor);
    const name = keyString(key, path);
    const value = pair.value;
    if (isScalar(value)) {
      value.commentBefore = comments(value.commentBefore, path, stack, visitor);
      value.comment = comments(value.comment, path, stack, visitor);
    }
    if (isScalar(key)) key.comment = comments(key.comment, path, stack, visitor);
    walkValue(value, [...path, name], stack, visitor, false);
    stack[level] = [];
  }
  // The document's trailing comment ends up before the `sops:` block, at the top level.
  if (!handled) map.comment = comments(map.comment, path.length === 0 ? path : trailingPath(map, path), stack, visitor);
}

/**
 * The path sops (yaml.v3) gives a collection's trailing comment when it reads the file back:
 * the innermost collection that ends it (following last items; list items add nothing).
 */
function trailingPath(node: unknown, path: readonly string[]): readonly string[] {
  let current = node;
  let result = path;
  for (;;) {
    if (isMap(current)) {
      const last = current.items.at(-1);
      if (!last || !(isMap(last.value) || isSeq(last.value))) return result;
      result = [...result, isScalar(last.key) ? String(last.key.value) : String(last.key)];
      current = last.value;
    } else if (isSeq(current)) {
      const last = current.items.at(-1);
      if (!(isMap(last) || isSeq(last))) return result;
      current = last;
    } else {
      return result;
    }
  }
}

function walkSeq(seq: YAMLSeq, path: readonly string[], parentStack: CommentsStack, visitor: TreeVisitor, handled: boolean): void {
  const stack: CommentsStack = [...parentStack, []];
  const level = stack.length - 1;
  if (!handled) seq.commentBefore = comments(seq.commentBefore, path, stack, visitor);
  for (const item of seq.items) {
    if (isScalar(item) || isMap(item) || isSeq(item)) item.commentBefore = comments(item.commentBefore, path, stack, visitor);
    if (isScalar(item)) item.comment = comments(item.comment, path, stack, visitor);
    walkValue(item, path, stack, visitor, true);
    if (isMap(item) || isSeq(item)) item.comment = comments(item.comment, trailingPath(item, path), stack, visitor);
    stack[level] = [];
  }
  // sops keeps the comments of a list as items (`- ENC[…,type:comment]`); once decrypted they become comments again.
  let pending: string[] = [];
  const kept: unknown[] = [];
  for (const item of seq.items) {
    const text = isScalar(item) ? (item as Scalar & { [COMMENT_ITEM]?: string })[COMMENT_ITEM] : undefined;
    if (text !== undefined) {
      pending.push(text);
      continue;
    }
    if (pending.length > 0 && (isScalar(item) || isMap(item) || isSeq(item))) {
      item.commentBefore = [...pending, ...(item.commentBefore ? [item.commentBefore] : [])].join('\n');
      pending = [];
    }
    kept.push(item);
  }
  if (pending.length > 0) seq.comment = [...(seq.comment ? [seq.comment] : []), ...pending].join('\n');
  if (kept.length !== seq.items.length) seq.items = kept;
  if (!handled) seq.comment = comments(seq.comment, trailingPath(seq, path), stack, visitor);
}

function walkValue(node: unknown, path: readonly string[], stack: CommentsStack, visitor: TreeVisitor, handled: boolean): void {
  if (node === null || node === undefined) return;
  if (isScalar(node)) {
    if (node.value === null || node.value === undefined) return;
    visitor.leaf(node, path, stack);
  } else if (isMap(node)) walkMap(node, path, stack, visitor, handled);
  else if (isSeq(node)) walkSeq(node, path, stack, visitor, handled);
  else if (isAlias(node)) throw new Error('internal: aliases must be expanded before walking');
}

/** Marks a list item that decrypted to a comment (sops stores list comments as items); the walk turns it back into a comment. */
export const COMMENT_ITEM = Symbol('sops comment item');

export function markCommentItem(node: Scalar, text: string): void {
  (node as Scalar & { [COMMENT_ITEM]?: string })[COMMENT_ITEM] = text;
}

/** Sets a scalar's value and lets the serializer choose its style again. */
export function setScalar(node: Scalar, value: string | number | boolean): void {
  node.value = value;
  node.type = undefined;
  node.format = undefined;
  node.tag = undefined;
  delete (node as { source?: string }).source;
}

export { Scalar };
