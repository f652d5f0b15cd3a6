// The four real sops 3.9.0 fixtures decrypt to their expected values, verify their MAC,
// fail with the other key, and are refused whole when any value or lastmodified changes.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { decryptDocument, MacMismatchError, NoMatchingIdentityError, parseIdentities, ValueDecryptionError } from '../../src/secrets/index.ts';

const FIXTURES = join(import.meta.dirname, 'fixtures');
const read = (name: string): string => readFileSync(join(FIXTURES, name), 'utf8');
const keys = async (name: string) => parseIdentities(read(name), name);

const CASES = [
  { file: 'algorithms_age.yaml', key: 'keys_age.txt', other: 'keys_age-global.txt', field: 'key', value: 'value' },
  { file: 'patches_merge1.yaml', key: 'keys_age.txt', other: 'keys_age-global.txt', field: 'key', value: 'merge1' },
  { file: 'patches_merge2.yaml', key: 'keys_age.txt', other: 'keys_age-global.txt', field: 'merge2', value: 'merge2' },
  { file: 'global_secret.yaml', key: 'keys_age-global.txt', other: 'keys_age.txt', field: 'key', value: 'global-value' },
] as const;

describe('sops 3.9.0 fixtures', () => {
  for (const c of CASES) {
    describe(c.file, () => {
      it('decrypts to the expected value with a verified MAC', async () => {
        const plain = parse(await decryptDocument(read(c.file), { identities: await keys(c.key), source: c.file })) as Record<string, Record<string, string>>;
        expect(plain.stringData?.[c.field]).toBe(c.value);
        expect(plain).not.toHaveProperty('sops');
        expect(plain.kind).toBe('Secret');
      });

      it('fails with the other key, naming the file and recipients but no secret', async () => {
        const attempt = decryptDocument(read(c.file), { identities: await keys(c.other), source: c.file });
        await expect(attempt).rejects.toBeInstanceOf(NoMatchingIdentityError);
        await expect(attempt).rejects.toThrow(new RegExp(`^${c.file.replace('.', '\\.')}: .*age1`));
        await expect(attempt).rejects.not.toThrow(/AGE-SECRET-KEY/);
      });

      it('is refused when an encrypted value is changed', async () => {
        const text = read(c.file).replace(/(data:)([A-Za-z0-9+/])/, (_m, p: string, ch: string) => `${p}${ch === 'A' ? 'B' : 'A'}`);
        await expect(decryptDocument(text, { identities: await keys(c.key), source: c.file })).rejects.toBeInstanceOf(ValueDecryptionError);
      });

      it('is refused when a plaintext value is changed', async () => {
        const text = read(c.file).replace(/^kind: Secret$/m, 'kind: Secrets');
        const attempt = decryptDocument(text, { identities: await keys(c.key), source: c.file });
        await expect(attempt).rejects.toBeInstanceOf(MacMismatchError);
        const message = await attempt.then(() => '', (error: Error) => error.message);
        expect(message).toBe(`${c.file}: MAC mismatch, the file was changed after it was encrypted (the values do not hash to the stored MAC); refusing to decrypt it`);
      });

      it('is refused when lastmodified is changed', async () => {
        const text = read(c.file).replace(/lastmodified: "(\d{4})/, (_m, y: string) => `lastmodified: "${Number(y) + 1}`);
        await expect(decryptDocument(text, { identities: await keys(c.key), source: c.file })).rejects.toBeInstanceOf(MacMismatchError);
      });
    });
  }
});
