import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { toCanonicalYaml } from '../../src/manifest/index.ts';
import { emitYaml, isPlainSafe } from '../../src/manifest/yaml-emitter.ts';

// Strings that other emitters get wrong: every one must read back as the same string.
const TRICKY = [
  '', ' ', '  lead', 'trail ', '\t', 'a\tb', '1', '-1', '+1', '1.0', '.5', '1e3', '1E-3', '0x1F', '0o17', '0755', '0b101', '1_000', '12:30', '1:20:30',
  '.inf', '-.Inf', '.NaN', 'nan', 'Infinity', 'true', 'False', 'TRUE', 'yes', 'No', 'ON', 'off', 'y', 'N', 'null', 'Null', 'NULL', '~',
  '2001-12-14', '2001-12-14t21:59:43.10-05:00', '2001-12-14 21:59:43.10 -5', '=', '<<', '-', '--', '---', '...', '... x', '?', '? x', ':', 'a:', 'a: b',
  'a :b', '#', 'a #b', 'a#b', '!tag', '&anchor', '*alias', '|', '>', "'", '"', '%', '@', '`', '[', ']', '{', '}', ',', 'a,b', '[a]', '{a: 1}',
  'line1\nline2', 'line1\nline2\n', 'x\n\n', 'x\n\n\n', '\n', '\n\n', '\nx', ' x\ny', 'x\n y\n  z', 'x\n  \ny', 'x\n\ty', 'x\r\ny', 'x\ry', 'a\n- b',
  'a\n#b', 'a\n---\nb', 'a\n...\nb', 'héllo', '日本語', '😀', 'a😀b', '\u00a0', 'x\u00a0', '\u0085', '\u2028', '\u2029', '\ufeff', '\ufeffx', '\u0000', '\u0007',
  '\u001b[31m', '\u007f', '\ud800', 'x\udc00', '\ud83d', 'back\\slash', 'quote"d', "single'quoted", '%TAG', 'key: "v"', 'C:\\path', 'http://x:80/a#b',
];

const trickyString = fc.constantFrom(...TRICKY);
const anyString = fc.oneof(
  { weight: 3, arbitrary: trickyString },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 12 }) },
  { weight: 2, arbitrary: fc.string({ unit: fc.constantFrom('a', ' ', '\n', ':', '#', '-', '0', '.', '\t', '"', "'", '|', 'y', 'é'), maxLength: 10 }) },
  { weight: 1, arbitrary: fc.array(trickyString, { maxLength: 4 }).map((parts) => parts.join('')) },
);
const scalar = fc.oneof(
  anyString,
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }).filter((n) => !Object.is(n, -0)),
  fc.boolean(),
  fc.constant(null),
);
const json = fc.letrec((tie) => ({
  value: fc.oneof({ depthSize: 'small', withCrossShrink: true }, scalar, tie('array'), tie('object')),
  array: fc.array(tie('value'), { maxLength: 4 }),
  object: fc.dictionary(anyString, tie('value'), { maxKeys: 5, noNullPrototype: true }),
})).value;

function roundTrip(value: unknown): unknown {
  return parse(emitYaml(value), { version: '1.2', uniqueKeys: true });
}

describe('emitYaml', () => {
  it('reads back with `yaml` as exactly the data given (property)', () => {
    fc.assert(
      fc.property(json, (value) => {
        expect(roundTrip(value)).toStrictEqual(value);
      }),
      { numRuns: 3000 },
    );
  });

  it('reads back as the same string for every tricky string, as a value, a key and a list item', () => {
    for (const text of TRICKY) {
      expect(roundTrip({ [text]: text, list: [text, { [text]: [text] }] }), JSON.stringify(text)).toStrictEqual({ [text]: text, list: [text, { [text]: [text] }] });
    }
  });

  it('also reads back under YAML 1.1 rules (kubectl, go-yaml v2): booleans, octal and sexagesimal stay strings', () => {
    fc.assert(
      fc.property(fc.dictionary(anyString, anyString, { maxKeys: 5, noNullPrototype: true }), (value) => {
        expect(parse(emitYaml(value), { version: '1.1', uniqueKeys: true, merge: false })).toStrictEqual(value);
      }),
      { numRuns: 1000 },
    );
  });

  it('writes plain only what cannot be misread', () => {
    for (const text of ['yes', 'on', 'Off', 'y', '1', '0755', '12:30', '2001-12-14', 'null', '~', '', ' a', 'a: b', '- a', '.inf']) expect(isPlainSafe(text), text).toBe(false);
    for (const text of ['nginx:1.25', 'app.kubernetes.io/name', 'checkout-api', 'http://x/y', 'a#b', 'héllo']) expect(isPlainSafe(text), text).toBe(true);
  });

  it('writes multi-line strings as literal blocks with the right chomping', () => {
    expect(emitYaml({ a: 'x\ny', b: 'x\n', c: 'x\n\n' })).toBe('a: |-\n  x\n  y\nb: |\n  x\nc: |+\n  x\n\n');
  });

  it('writes the canonical top-level order', () => {
    const text = toCanonicalYaml({ spec: { b: 1, a: [] }, metadata: { labels: {}, namespace: 'ns', name: 'x' }, kind: 'K', apiVersion: 'v1' });
    expect(text).toBe('apiVersion: v1\nkind: K\nmetadata:\n  name: x\n  namespace: ns\n  labels: {}\nspec:\n  a: []\n  b: 1\n');
  });

  it('orders a mapping under a key named like an Object.prototype member in byte order', () => {
    // `constructor` once looked up Object as the key order for its children and threw.
    const text = toCanonicalYaml({ apiVersion: 'v1', kind: 'K', metadata: { name: 'x' }, constructor: { b: 1, a: 2 }, data: { toString: { d: 1, c: 2 } } });
    expect(text).toBe('apiVersion: v1\nkind: K\nmetadata:\n  name: x\nconstructor:\n  a: 2\n  b: 1\ndata:\n  toString:\n    c: 2\n    d: 1\n');
  });
});
