// Interop with the real sops binary (built from test/cluster/tools/sops by the test-tools harness):
// files Strata writes decrypt with `sops -d` to the same plaintext, files sops writes decrypt with
// Strata, and both refuse a Strata file whose value was tampered with.
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sopsFixture, type SopsFixture } from './_sops.ts';
import { decryptDocument, encryptDocument, MacMismatchError, ValueDecryptionError } from '../../src/secrets/index.ts';

let fx: SopsFixture;
beforeAll(async () => {
  fx = await sopsFixture('strata-sops-interop-');
});
afterAll(() => fx.remove());

const SECRET = `# the database credentials

apiVersion: v1
kind: Secret
metadata:
  name: db # inline
  namespace: shop
  labels:
    app: web
type: Opaque
stringData:
  # rotated monthly
  password: hunter2
  port: 5432
  ratio: 3.5
  enabled: true
  empty: ""
  multi: |
    line one
    line two
  list:
    - a
    - 1.5
`;

describe('interop with the real sops', { timeout: 120_000 }, () => {
  for (const [name, rules] of [
    ['encrypted_regex ^(data|stringData)$', { encryptedRegex: '^(data|stringData)$' }],
    ['the default rule (everything)', {}],
    ['mac_only_encrypted with encrypted_suffix', { encryptedSuffix: 'Data', macOnlyEncrypted: true }],
  ] as const) {
    it(`sops -d reads a file written by Strata (${name})`, async () => {
      const file = join(fx.dir, 'strata.enc.yaml');
      writeFileSync(file, await encryptDocument(SECRET, { recipients: [fx.recipient], ...rules }));
      const result = fx.sops(['-d', file]);
      expect(result.stderr).toBe('');
      expect(result.status).toBe(0);
      expect(parse(result.stdout)).toEqual(parse(SECRET));
      expect(result.stdout).toContain('# rotated monthly');
    });
  }

  it('sops -d reads a file written by the `strata secrets encrypt` binary', () => {
    const file = join(fx.dir, 'cli.yaml');
    writeFileSync(file, SECRET);
    const cli = spawnSync(process.execPath, [join(import.meta.dirname, '../../cli/bin/strata.js'), 'secrets', 'encrypt', '-i', '--age', fx.recipient, file], { encoding: 'utf8', cwd: fx.dir });
    expect(cli.status, cli.stderr).toBe(0);
    expect(readFileSync(file, 'utf8')).toContain('encrypted_regex: ^(data|stringData)$');
    const result = fx.sops(['-d', file]);
    expect(result.status, result.stderr).toBe(0);
    expect(parse(result.stdout)).toEqual(parse(SECRET));
  });

  it('sops -d reads a JSON file written by Strata', async () => {
    const file = join(fx.dir, 'strata.enc.json');
    const plain = { a: 1, b: { c: 'x', d: [1.5, true, 's'] }, e: '', f: null };
    writeFileSync(file, await encryptDocument(JSON.stringify(plain), { recipients: [fx.recipient], format: 'json' }));
    const result = fx.sops(['-d', file]);
    expect(result.status).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual(plain);
  });

  it('sops -d reads keys and plain values holding NEL, LS or PS (line breaks to go-yaml, not to YAML 1.2)', async () => {
    const file = join(fx.dir, 'breaks.enc.yaml');
    const plain = { 'a\u2028b': { 'c\u0085d': 'secret\u2029value', note_u: 'kept\u2028plain' }, e: 'x' };
    const enc = await encryptDocument(stringify(plain), { recipients: [fx.recipient], unencryptedSuffix: '_u' });
    expect(enc).not.toMatch(/[\u0085\u2028\u2029]/);
    writeFileSync(file, enc);
    // JSON out: sops's own YAML writer folds such keys in a way only a YAML 1.1 reader undoes.
    const result = fx.sops(['-d', '--output-type', 'json', file]);
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual(plain);
    expect(parse(await decryptDocument(enc, { identities: fx.identities }))).toEqual(plain);
  });

  for (const [name, args] of [
    ['--encrypted-regex', ['--encrypted-regex', '^(data|stringData)$']],
    ['no selection flag', []],
    ['--unencrypted-regex', ['--unencrypted-regex', '^(apiVersion|kind|metadata|type)$']],
    ['--mac-only-encrypted', ['--mac-only-encrypted', '--encrypted-regex', '^stringData$']],
  ] as const) {
    it(`Strata reads a file written by sops -e ${name}`, async () => {
      const file = join(fx.dir, 'plain.yaml');
      writeFileSync(file, SECRET);
      const result = fx.sops(['-e', '--age', fx.recipient, ...args, file]);
      expect(result.status).toBe(0);
      const plain = await decryptDocument(result.stdout, { identities: fx.identities, source: 'sops.enc.yaml' });
      expect(parse(plain)).toEqual(parse(SECRET));
      expect(plain).toContain('# rotated monthly');
    });
  }

  it('Strata reads a JSON file written by sops -e', async () => {
    const file = join(fx.dir, 'plain.json');
    const plain = { a: 1, b: { c: 'x', d: [1.5, true, 's', 2.0] }, e: '' };
    writeFileSync(file, JSON.stringify(plain));
    const result = fx.sops(['-e', '--age', fx.recipient, file]);
    expect(result.status).toBe(0);
    expect(JSON.parse(await decryptDocument(result.stdout, { identities: fx.identities, format: 'json' }))).toEqual(plain);
  });

  it('comments survive both ways: no ciphertext left in comments, no list item made of a comment', async () => {
    const commented = [
      '# head 1',
      '# head 2',
      'a: 1 # inline a',
      '# before b',
      'b:',
      '  # first in b',
      '  c: x # inline c',
      '  # between',
      '  d:',
      '    - 1 # inline item',
      '    # before item',
      '    - two',
      '    - k: v # in map item',
      '      # after k',
      '      l: w',
      '  # end of b',
      '# before e',
      'e: str',
      '# trailing',
      '',
    ].join('\n');
    const file = join(fx.dir, 'commented.yaml');
    writeFileSync(file, commented);
    const bySops = fx.sops(['-e', '--age', fx.recipient, file]);
    expect(bySops.status).toBe(0);
    const plain = await decryptDocument(bySops.stdout, { identities: fx.identities });
    expect(parse(plain)).toEqual(parse(commented));
    expect(plain).not.toContain('ENC[');
    for (const line of ['head 1', 'inline a', 'first in b', 'inline item', 'before item', 'after k', 'end of b', 'trailing']) expect(plain).toContain(`# ${line}`);

    for (const text of [commented, `${commented}nested:\n  x: y\n# last\n`]) {
      writeFileSync(file, await encryptDocument(text, { recipients: [fx.recipient] }));
      const back = fx.sops(['-d', file]);
      expect(back.status).toBe(0);
      expect(back.stderr).toBe('');
      expect(back.stdout).not.toContain('ENC[');
      expect(back.stdout).toMatch(text.includes('# last') ? /# last\n$/ : /# trailing\n$/);
      expect(parse(back.stdout)).toEqual(parse(text));
    }
  });

  it('sops -d and Strata both refuse a Strata file whose value was tampered with', async () => {
    const enc = await encryptDocument(SECRET, { recipients: [fx.recipient], encryptedRegex: '^(data|stringData)$' });
    const cases = [
      // a ciphertext byte flipped
      enc.replace(/password: ENC\[AES256_GCM,data:(.)/, (_m, c: string) => `password: ENC[AES256_GCM,data:${c === 'A' ? 'B' : 'A'}`),
      // a plaintext leaf changed
      enc.replace('namespace: shop', 'namespace: evil'),
      // two encrypted values swapped between keys
      swapValues(enc, 'password', 'multi'),
    ];
    for (const [i, tampered] of cases.entries()) {
      const file = join(fx.dir, `tampered-${i}.yaml`);
      writeFileSync(file, tampered);
      const result = fx.sops(['-d', file]);
      expect(result.status, `sops accepted tampered case ${i}`).not.toBe(0);
      expect(result.stdout).not.toContain('hunter2');
      await expect(decryptDocument(tampered, { identities: fx.identities })).rejects.toSatisfy((e) => e instanceof MacMismatchError || e instanceof ValueDecryptionError);
    }
  });
});

function swapValues(text: string, a: string, b: string): string {
  const va = new RegExp(`(\\n\\s+${a}: )(ENC\\[[^\\]]+\\])`).exec(text)?.[2] ?? '';
  const vb = new RegExp(`(\\n\\s+${b}: )(ENC\\[[^\\]]+\\])`).exec(text)?.[2] ?? '';
  return text.replace(va, '\u0000').replace(vb, va).replace('\u0000', vb);
}
