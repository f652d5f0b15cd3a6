/**
 * What a YAML text will cost to parse, counted by yaml's lexer before anything is
 * built: the lexer yields one token at a time and holds none, so a file of 131,072
 * empty documents or a 450,000-item flow sequence is measured in a few MB of heap and
 * refused before the parser builds a node for it. Counting stops at the first bound passed.
 * @internal
 */
import { CST, Lexer } from 'yaml';

/** The bounds of one file; each is the largest value allowed. */
export interface YamlBudget {
  readonly maxDocuments: number;
  /** Nodes of one document: scalars, aliases, flow collections and block-sequence items. */
  readonly maxNodesPerDocument: number;
  /** Alias nodes (`*name`) in the file. */
  readonly maxAliases: number;
  /** Nodes the whole file may add to the revision's total (what is left of it). */
  readonly maxNodes: number;
}

export type YamlBound = 'documents' | 'nodes per document' | 'aliases' | 'nodes';

export interface YamlCost {
  readonly documents: number;
  readonly nodes: number;
  /** The first bound passed, with the count at which counting stopped and the 1-based document it was in. */
  readonly over?: { readonly bound: YamlBound; readonly count: number; readonly limit: number; readonly document: number };
}

// Tokens that are a node of their own, or open one. A block mapping's keys are scalars;
// a block-sequence item (`-`) and an explicit key (`?`) count because they may hold an empty node.
const NODE_TOKENS = new Set(['scalar', 'single-quoted-scalar', 'double-quoted-scalar', 'alias', 'flow-map-start', 'flow-seq-start', 'seq-item-ind', 'explicit-key-ind']);
const SILENT_TOKENS = new Set(['byte-order-mark', 'doc-mode', 'space', 'comment', 'newline', 'directive-line', 'doc-end', 'doc-start']);

/** Counts documents, nodes and aliases of `text`, stopping at the first bound of `budget` passed. */
export function yamlCost(text: string, budget: YamlBudget): YamlCost {
  let documents = 0;
  let nodes = 0;
  let documentNodes = 0;
  let aliases = 0;
  let open = false;
  const over = (bound: YamlBound, count: number, limit: number): YamlCost => ({ documents, nodes, over: { bound, count, limit, document: documents } });
  for (const token of new Lexer().lex(text)) {
    const type = CST.tokenType(token);
    if (type === 'doc-start' || (!open && type !== null && !SILENT_TOKENS.has(type))) {
      documents += 1;
      documentNodes = 0;
      open = true;
      if (documents > budget.maxDocuments) return over('documents', documents, budget.maxDocuments);
    } else if (type === 'doc-end') open = false;
    if (type === null || !NODE_TOKENS.has(type)) continue;
    nodes += 1;
    documentNodes += 1;
    if (documentNodes > budget.maxNodesPerDocument) return over('nodes per document', documentNodes, budget.maxNodesPerDocument);
    if (nodes > budget.maxNodes) return over('nodes', nodes, budget.maxNodes);
    if (type === 'alias') {
      aliases += 1;
      if (aliases > budget.maxAliases) return over('aliases', aliases, budget.maxAliases);
    }
  }
  return { documents, nodes };
}
