// Property tests against the real sops binary: random documents encrypted by one side decrypt
// on the other side to the same data, in YAML and JSON.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { parse, stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertToolsBuilt, toolPath } from '../cluster/tools.ts';
import { decryptDocument, encryptDocument, generateIdentity, keysFileText, parseIdentities, type AgeIdentity, type SopsFormat } from '../../src/secrets/index.ts';

let dir: string;
let keyFile: string;
let identities: AgeIdentity[];
let recipient: string;

beforeAll(async () => {
  assertToolsBuilt(['sops']);
  dir = mkdtempSync(join(tmpdir(), 'strata-sops-props-'));
  const identity = await generateIdentity();
  keyFile = join(dir, 'keys.txt');
  writeFileSync(keyFile, keysFileText(identity), { mode: 0o600 });
  identities = await parseIdentities(readFileSync(keyFile, 'utf8'), keyFile);
  recipient = identity.recipient;
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function sops(args: readonly string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(toolPath('sops'), args, { encoding: 'utf8', env: { PATH: process.env.PATH ?? '', HOME: dir, SOPS_AGE_KEY_FILE: keyFile }, cwd: dir });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

// sops's YAML reader (go-yaml) cannot read keys that are blank or start or end with spaces, even quoted.
const key = fc.string({ minLength: 1, maxLength: 6, unit: 'grapheme' }).filter((k) => k !== 'sops' && k !== '__proto__' && k !== '<<' && k.trim() === k && k !== '');
const scalar = fc.oneof(
  fc.string({ maxLength: 12, unit: 'grapheme' }),
  fc.integer({ min: -1e6, max: 1e6 }),
  fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e6, max: 1e6 }).filter((d) => !Object.is(d, -0)),
  fc.boolean(),
);
const { tree } = fc.letrec((tie) => ({
  value: fc.oneof({ depthSize: 'small' }, scalar, tie('tree'), fc.array(scalar, { maxLength: 3 })),
  tree: fc.dictionary(key, tie('value'), { minKeys: 1, maxKeys: 4 }),
}));
const format = fc.constantFrom<SopsFormat>('yaml', 'json');
const rules = fc.constantFrom<Record<string, string>>({}, { encryptedRegex: '^[a-m]' }, { unencryptedSuffix: '_u' });
const text = (value: unknown, f: SopsFormat): string => (f === 'json' ? JSON.stringify(value) : stringify(value));

describe('interop properties with the real sops', () => {
  it('sops -d decrypts what Strata encrypts', async () => {
    await fc.assert(
      fc.asyncProperty(tree, format, rules, async (value, f, selection) => {
        const file = join(dir, `strata.${f}`);
        writeFileSync(file, await encryptDocument(text(value, f), { recipients: [recipient], format: f, ...selection }));
        const r = sops(['-d', file]);
        expect(r.stderr).toBe('');
        expect(r.status).toBe(0);
        expect(parse(r.stdout)).toEqual(value);
      }),
      { numRuns: 40 },
    );
  }, 120_000);

  it('Strata decrypts what sops -e encrypts', async () => {
    await fc.assert(
      fc.asyncProperty(tree, format, async (value, f) => {
        const file = join(dir, `plain.${f}`);
        writeFileSync(file, text(value, f));
        const r = sops(['-e', '--age', recipient, file]);
        expect(r.status, r.stderr).toBe(0);
        expect(parse(await decryptDocument(r.stdout, { identities, format: f }))).toEqual(value);
      }),
      { numRuns: 40 },
    );
  }, 120_000);
});
