// Properties of the SOPS document: encrypt → decrypt round-trips any tree in both formats,
// every tampering is refused, unchanged values keep their ciphertext under the same data key.
import fc from 'fast-check';
import { parse as parseYaml, stringify } from 'yaml';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  decryptDocument,
  encryptDocument,
  generateIdentity,
  MacMismatchError,
  openDocument,
  parseIdentities,
  readMetadata,
  reencryptDocument,
  ValueDecryptionError,
  type AgeIdentity,
  type SopsFormat,
} from '../../src/secrets/index.ts';

let alice: AgeIdentity[];
let bob: AgeIdentity[];
beforeAll(async () => {
  alice = await parseIdentities((await generateIdentity()).secret, 'alice');
  bob = await parseIdentities((await generateIdentity()).secret, 'bob');
});

const key = fc.string({ minLength: 1, maxLength: 8 }).filter((k) => k !== '__proto__' && k !== 'sops');
const scalar = fc.oneof(
  fc.string({ maxLength: 20 }),
  fc.integer({ min: -1e9, max: 1e9 }),
  fc.double({ noNaN: true, noDefaultInfinity: true }).filter((d) => !Object.is(d, -0)),
  fc.boolean(),
  fc.constant(null),
);
const { tree } = fc.letrec((tie) => ({
  value: fc.oneof({ depthSize: 'small', withCrossShrink: true }, scalar, tie('tree'), fc.array(tie('value'), { maxLength: 3 })),
  tree: fc.dictionary(key, tie('value'), { maxKeys: 4 }),
}));
const rules = fc.oneof(
  fc.constant({}),
  fc.constant({ encryptedRegex: '^(data|stringData)$' }),
  key.map((k) => ({ encryptedRegex: `^${k.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$` })),
  fc.constant({ unencryptedSuffix: '_plain' }),
  fc.constant({ macOnlyEncrypted: true }),
);
const format = fc.constantFrom<SopsFormat>('yaml', 'json');
const text = (value: unknown, f: SopsFormat): string => (f === 'json' ? JSON.stringify(value) : stringify(value));

describe('SOPS document properties', () => {
  it('decrypt(encrypt(x)) = x for any tree, rules and format', async () => {
    await fc.assert(
      fc.asyncProperty(tree, rules, format, async (value, selection, f) => {
        const enc = await encryptDocument(text(value, f), { recipients: [alice[0]!.recipient], format: f, ...selection });
        const plain = await decryptDocument(enc, { identities: alice, format: f });
        expect(parseYaml(plain)).toEqual(value);
      }),
      { numRuns: 60 },
    );
  });

  it('refuses a document with any encrypted value or any plaintext leaf changed', async () => {
    await fc.assert(
      fc.asyncProperty(tree, rules, fc.nat(), async (value, selection, pick) => {
        const enc = await encryptDocument(stringify({ ...value, anchor: 'x', data: { v: 'secret-value' } }), { recipients: [alice[0]!.recipient], ...selection });
        const body = enc.slice(0, enc.indexOf('\nsops:'));
        const ciphers = [...body.matchAll(/data:([A-Za-z0-9+/]{2})/g)];
        const target = ciphers[pick % Math.max(1, ciphers.length)];
        if (target) {
          const at = (target.index ?? 0) + 5;
          const flipped = `${enc.slice(0, at)}${enc[at] === 'A' ? 'B' : 'A'}${enc.slice(at + 1)}`;
          await expect(decryptDocument(flipped, { identities: alice })).rejects.toSatisfy((e) => e instanceof ValueDecryptionError || e instanceof MacMismatchError);
        }
        if (!enc.includes('anchor: x\n')) return; // `anchor` was encrypted by these rules
        await expect(decryptDocument(enc.replace('anchor: x\n', 'anchor: y\n'), { identities: alice })).rejects.toBeInstanceOf(MacMismatchError);
      }),
      { numRuns: 40 },
    );
  });

  it('never puts plaintext into an error', async () => {
    const enc = await encryptDocument('data:\n  password: correct-horse-battery\nname: x\n', { recipients: [alice[0]!.recipient], encryptedRegex: '^data$' });
    const errors = await Promise.all([
      decryptDocument(enc.replace('name: x', 'name: y'), { identities: alice }).catch((e: Error) => e),
      decryptDocument(enc, { identities: bob }).catch((e: Error) => e),
      decryptDocument(enc.replace(/data:[A-Za-z0-9]/, 'data:A'), { identities: alice }).catch((e: Error) => e),
    ]);
    for (const error of errors) {
      expect(error).toBeInstanceOf(Error);
      expect(`${(error as Error).message}${String((error as Error).cause ?? '')}`).not.toMatch(/correct-horse|AGE-SECRET-KEY/);
    }
  });

  it('keeps comments, key order and the ciphertext of unchanged values when re-encrypted with the same key', async () => {
    const source = '# head\nkind: Secret\nstringData:\n  # why\n  a: one # inline\n  b: two\n  c: three\n';
    const enc = await encryptDocument(source, { recipients: [alice[0]!.recipient], encryptedRegex: '^stringData$' });
    const opened = await openDocument(enc, { identities: alice });
    expect(opened.plaintext).toBe(source);
    const edited = await reencryptDocument(opened, { plaintext: source.replace('b: two', 'b: TWO') });
    const lines = (t: string) => t.split('\n').filter((l) => /^\s+[abc]: /.test(l));
    const [a0, b0, c0] = lines(enc);
    const [a1, b1, c1] = lines(edited);
    expect(a1).toBe(a0);
    expect(c1).toBe(c0);
    expect(b1).not.toBe(b0);
    expect(await decryptDocument(edited, { identities: alice })).toBe(source.replace('b: two', 'b: TWO'));
  });

  it('rotates the data key, and adds and removes recipients', async () => {
    const enc = await encryptDocument('data:\n  k: v\n', { recipients: [alice[0]!.recipient] });
    const opened = await openDocument(enc, { identities: alice });
    const both = await reencryptDocument(opened, { recipients: [alice[0]!.recipient, bob[0]!.recipient] });
    expect(readMetadata(both).age.map((s) => s.recipient)).toEqual([alice[0]!.recipient, bob[0]!.recipient]);
    expect(readMetadata(both).age[0]!.enc).toBe(readMetadata(enc).age[0]!.enc);
    expect(await decryptDocument(both, { identities: bob })).toBe('data:\n  k: v\n');
    const rotated = await reencryptDocument(await openDocument(both, { identities: bob }), { recipients: [bob[0]!.recipient], rotate: true });
    expect(readMetadata(rotated).age.map((s) => s.recipient)).toEqual([bob[0]!.recipient]);
    expect(rotated.match(/k: (ENC\[.*\])/)?.[1]).not.toBe(both.match(/k: (ENC\[.*\])/)?.[1]);
    await expect(decryptDocument(rotated, { identities: alice })).rejects.toThrow(/none of the 1 age identity/);
    expect(await decryptDocument(rotated, { identities: bob })).toBe('data:\n  k: v\n');
  });

  it('refuses files it cannot handle, with the reason', async () => {
    const r = [alice[0]!.recipient];
    await expect(encryptDocument('- a\n', { recipients: r, source: 'x.yaml' })).rejects.toThrow(/x\.yaml: the document is not a mapping/);
    await expect(encryptDocument('a: 1\n---\nb: 2\n', { recipients: r })).rejects.toThrow(/2 YAML documents/);
    await expect(encryptDocument('a: 1\n', { recipients: r, encryptedRegex: 'a', unencryptedSuffix: '_x' })).rejects.toThrow(/choose one selection rule/);
    await expect(encryptDocument('a: 1\n', { recipients: ['age1nope'] })).rejects.toThrow(/not a valid age recipient|not an age recipient/);
    const enc = await encryptDocument('a: 1\n', { recipients: r });
    await expect(encryptDocument(enc, { recipients: r })).rejects.toThrow(/already encrypted/);
    await expect(decryptDocument(enc.replace('age:', 'pgp:\n    - fp: X\n  age:'), { identities: alice })).rejects.toThrow(/age recipients only/);
  });
});
