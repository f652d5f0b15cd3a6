// parseManifestFiles against hostile files: the bounds of one revision (documents, nodes,
// aliases), every bad document reported, and index.json checked against what the files hold.
import { describe, expect, it } from 'vitest';
import { DEFAULT_PARSE_LIMITS, ManifestLimitError, ManifestSet, parseManifestFiles, serializeIndex, type KubeObject, type ManifestFile } from '../../src/manifest/index.ts';

const head = (name: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: ${name}, namespace: app}\n`;

/** The parts of the AggregateError parseManifestFiles throws. */
function errorsOf(files: readonly ManifestFile[], options = {}): Error[] {
  try {
    parseManifestFiles(files, options);
  } catch (error) {
    return (error as AggregateError).errors as Error[];
  }
  throw new Error('parsed without an error');
}

function aliases(count: number): string {
  return `${head('a')}spec:\n  v: &v x\n  l: [${Array.from({ length: count }, () => '*v').join(', ')}]\n`;
}

describe('parseManifestFiles: what one revision may cost', () => {
  it('states its defaults as numbers', () => {
    expect(DEFAULT_PARSE_LIMITS).toEqual({ maxAliasCount: 100, maxDocumentsPerFile: 1000, maxNodesPerDocument: 50_000, maxTotalNodes: 250_000 });
  });

  it('refuses 131,072 empty documents (512 KiB of ---) before parsing, naming the file and the limit', () => {
    const [error, ...rest] = errorsOf([{ path: 'dashes.yaml', text: '---\n'.repeat(131_072) }]);
    expect(rest).toEqual([]);
    expect(error).toBeInstanceOf(ManifestLimitError);
    expect(error?.message).toBe('dashes.yaml: has more than 1000 documents (limit maxDocumentsPerFile); refused before parsing');
  });

  it('parses exactly 1000 documents', () => {
    expect(parseManifestFiles([{ path: 'ok.yaml', text: Array.from({ length: 1000 }, (_, i) => `---\n${head(`c${i}`)}`).join('') }]).size).toBe(1000);
  });

  it('refuses a 450,000-item flow sequence (900 KB) by its node count, and names the document', () => {
    const text = `${head('a')}---\n${head('b')}data: {x: [${Array.from({ length: 450_000 }, () => '1').join(',')}]}\n`;
    const [error] = errorsOf([{ path: 'flow.yaml', text }]);
    expect(error).toMatchObject({ name: 'ManifestLimitError', file: 'flow.yaml', limit: 'nodes per document', max: 50_000 });
    expect(error?.message).toBe('flow.yaml: document 2 has more than 50000 YAML nodes (limit maxNodesPerDocument); refused before parsing');
  });

  it('counts block sequences of empty items and mapping keys as nodes', () => {
    expect(errorsOf([{ path: 'seq.yaml', text: `${head('a')}spec:\n${'- \n'.repeat(11)}` }], { maxNodesPerDocument: 20 })[0]).toBeInstanceOf(ManifestLimitError);
    expect(errorsOf([{ path: 'map.yaml', text: `${head('a')}data:\n${Array.from({ length: 5 }, (_, i) => `  k${i}: v\n`).join('')}` }], { maxNodesPerDocument: 20 })[0]).toBeInstanceOf(ManifestLimitError);
    // head() is 10 nodes (its flow mapping is one), `data` one more, 4 keys with values make 19.
    expect(parseManifestFiles([{ path: 'map.yaml', text: `${head('a')}data:\n${Array.from({ length: 4 }, (_, i) => `  k${i}: v\n`).join('')}` }], { maxNodesPerDocument: 20 }).size).toBe(1);
  });

  it('refuses the file that takes the revision past the total, and parses nothing after it', () => {
    const files = Array.from({ length: 5 }, (_, i) => ({ path: `cm-${i}.yaml`, text: head(`c${i}`) }));
    const errors = errorsOf(files, { maxTotalNodes: 30 });
    expect(errors.map((error) => error.message)).toEqual(['cm-3.yaml: takes the revision past 30 YAML nodes in all (limit maxTotalNodes); refused before parsing']);
  });

  it('takes exactly 100 aliases and refuses 101, before parsing', () => {
    expect(parseManifestFiles([{ path: 'a.yaml', text: aliases(100) }]).size).toBe(1);
    const [error] = errorsOf([{ path: 'a.yaml', text: aliases(101) }]);
    expect(error?.message).toBe('a.yaml: has more than 100 aliases (limit maxAliasCount); refused before parsing');
  });

  it('refuses an alias bomb of fewer than 100 aliases by what they expand to', () => {
    const levels = ['a: &a [x, x, x, x, x, x, x, x, x]'];
    for (let level = 1; level < 5; level += 1) levels.push(`${'abcde'[level]}: &${'abcde'[level]} [${Array.from({ length: 9 }, () => `*${'abcde'[level - 1]}`).join(', ')}]`);
    const [error] = errorsOf([{ path: 'bomb.yaml', text: `${head('a')}spec:\n${levels.map((line) => `  ${line}\n`).join('')}` }]);
    expect(error?.message).toMatch(/^bomb\.yaml: invalid YAML: Excessive alias count .* \(its aliases expand to more than 100 copies\)$/);
  });

  it('reports every bad document of a file, each by number', () => {
    const text = [head('a'), 'foo: [1\nbar: 2\n', 'kind: X\n', head('b'), 'x: 1\nx: 2\n', `apiVersion: v1\nkind: List\nitems:\n  - ${head('c').trimEnd().replace(/\n/g, '\n    ')}\n  - {kind: Y}\n`].join('---\n');
    expect(errorsOf([{ path: 'many.yaml', text }]).map((error) => error.message)).toEqual([
      'many.yaml: invalid YAML (document 2): Flow sequence in block collection must be sufficiently indented and end with a ] at line 6, column 1',
      'many.yaml: document 3 is not a Kubernetes object: apiVersion, kind and metadata.name are required',
      'many.yaml: invalid YAML (document 5): map keys must be unique; "x" is repeated at line 15, column 1',
      'many.yaml: document 6 (item 2 of the List) is not a Kubernetes object: apiVersion, kind and metadata.name are required',
    ]);
  });

  it('finds a repeated key in a mapping of 10,000 keys (one lookup table, not a pairwise scan)', () => {
    const keys = Array.from({ length: 10_000 }, (_, i) => `  k${i}: v\n`).join('');
    expect(parseManifestFiles([{ path: 'big.yaml', text: `${head('a')}data:\n${keys}` }]).size).toBe(1);
    expect(errorsOf([{ path: 'big.yaml', text: `${head('a')}data:\n${keys}  k7: again\n` }])[0]?.message).toMatch(/big\.yaml: invalid YAML: map keys must be unique; "k7" is repeated at line 10005, column 3/);
  });
});

describe('parseManifestFiles: index.json against the files', () => {
  const objects: KubeObject[] = [
    { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a', namespace: 'app' }, data: { v: '1' } },
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'app' } },
  ];
  const set = ManifestSet.fromObjects(objects);
  const files = set.entries.map((entry) => ({ path: entry.file, text: entry.text }));
  const index = set.index('prod');
  const withIndex = (edit: (entries: (typeof index.objects)[number][]) => unknown[]) => [...files, { path: 'index.json', text: serializeIndex({ ...index, objects: edit([...index.objects]) as typeof index.objects }) }];

  it('passes the compiler output', () => {
    expect(parseManifestFiles(withIndex((entries) => entries)).size).toBe(2);
  });

  it('refuses an entry whose kind or name is not what its file holds, naming both', () => {
    const file = index.objects.find((entry) => entry.kind === 'ConfigMap')?.file ?? '';
    const errors = errorsOf(withIndex((entries) => entries.map((entry) => (entry.file === file ? { ...entry, kind: 'Secret', name: 'b' } : entry))));
    expect(errors.map((error) => error.message)).toEqual([`${file}: index.json lists v1 Secret app/b, which the file does not hold`, `${file}: holds v1 ConfigMap app/a, which index.json does not list`]);
  });

  it('refuses an entry whose namespace differs', () => {
    const file = index.objects.find((entry) => entry.kind === 'ConfigMap')?.file ?? '';
    const errors = errorsOf(withIndex((entries) => entries.map((entry) => (entry.file === file ? { ...entry, namespace: 'kube-system' } : entry))));
    expect(errors[0]?.message).toBe(`${file}: index.json lists v1 ConfigMap kube-system/a, which the file does not hold`);
  });
});
