// SopsSecret → compiled (canonical) manifest → parsed by the agent → decrypted Secret;
// and the compiler's plaintext-Secret guard.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApiObject } from 'cdk8s';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManifestSet, parseManifestFiles, type KubeObject } from '../../src/manifest/index.ts';
import { SopsSecret } from '../../src/constructs/sops-secret.ts';
import { Testing } from '../../src/constructs/testing.ts';
import {
  decryptManifests,
  encryptDocument,
  findPlaintextSecrets,
  generateIdentity,
  NON_SENSITIVE_ANNOTATION,
  parseIdentities,
  PlaintextSecretError,
  assertNoPlaintextSecrets,
  type AgeIdentity,
} from '../../src/secrets/index.ts';

const b64 = (s: string): string => Buffer.from(s).toString('base64');
let dir: string;
let identities: AgeIdentity[];
let other: AgeIdentity[];
const SECRET = `apiVersion: v1
kind: Secret
metadata:
  name: db
  namespace: shop
type: Opaque
stringData:
  password: hunter2
  user: admin
data:
  tls.crt: Y2VydA==
`;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'strata-sops-secret-'));
  identities = await parseIdentities((await generateIdentity()).secret, 'test');
  other = await parseIdentities((await generateIdentity()).secret, 'other');
  writeFileSync(join(dir, 'db.enc.yaml'), await encryptDocument(SECRET, { recipients: [identities[0]!.recipient], encryptedRegex: '^(data|stringData)$' }));
  writeFileSync(join(dir, 'app.enc.json'), await encryptDocument(JSON.stringify({ api: { token: 't0ken', port: 8443 } }), { recipients: [identities[0]!.recipient], format: 'json' }));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** What the compiler writes and the agent reads back: canonical text of each object. */
function roundTripThroughGit(objects: readonly KubeObject[]): ManifestSet {
  const set = ManifestSet.fromObjects(objects);
  return parseManifestFiles(set.entries.map((entry) => ({ path: entry.file, text: entry.text })));
}

describe('SopsSecret', () => {
  it('compiles to ciphertext only, and the agent gets the plaintext back after canonical serialisation and overlays', async () => {
    const objects = Testing.objects((scope) => new SopsSecret(scope, 'db', { file: join(dir, 'db.enc.yaml') }));
    expect(objects).toHaveLength(1);
    const compiled = objects[0]!;
    compiled.metadata.labels = { 'app.kubernetes.io/part-of': 'shop' }; // as an overlay would
    const text = ManifestSet.fromObjects([compiled]).entries[0]!.text;
    expect(text).not.toMatch(/hunter2|admin|cert\b/);
    expect(text).toContain('ENC[AES256_GCM');
    expect(findPlaintextSecrets([{ object: compiled }])).toEqual([]);

    const decrypted = await decryptManifests(roundTripThroughGit([compiled]), { identities });
    const secret = decrypted.entries[0]!.object as KubeObject & { data: Record<string, string> };
    expect(secret).not.toHaveProperty('sops');
    expect(secret).not.toHaveProperty('stringData'); // folded into data, as the API server stores it
    expect(secret.metadata).toMatchObject({ name: 'db', namespace: 'shop', labels: { 'app.kubernetes.io/part-of': 'shop' } });
    expect(secret.type).toBe('Opaque');
    expect(secret.data).toEqual({ password: b64('hunter2'), user: b64('admin'), 'tls.crt': 'Y2VydA==' });
  });

  it('compiles a real sops file to a stable manifest the agent decrypts (snapshot)', async () => {
    const file = join(import.meta.dirname, 'fixtures/algorithms_age.yaml');
    const objects = Testing.objects((scope) => new SopsSecret(scope, 'age', { file, namespace: 'shop' }));
    const text = ManifestSet.fromObjects(objects).entries[0]!.text;
    expect(text).toMatchSnapshot();
    const keys = await parseIdentities(readFileSync(join(import.meta.dirname, 'fixtures/keys_age.txt'), 'utf8'), 'keys_age.txt');
    const [secret] = (await decryptManifests(parseManifestFiles([{ path: 'shop/secret-age.yaml', text }]), { identities: keys })).entries;
    expect(secret!.object).toEqual({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'age', namespace: 'shop' }, type: 'Opaque', data: { key: b64('value') } });
  });

  it('selects and renames keys, from a Secret or any other document', async () => {
    const objects = Testing.objects((scope) => {
      new SopsSecret(scope, 'db', { file: join(dir, 'db.enc.yaml'), name: 'db-password', keys: { DB_PASSWORD: 'password' } });
      new SopsSecret(scope, 'api', { file: join(dir, 'app.enc.json'), name: 'api', namespace: 'shop', keys: { token: ['api', 'token'], port: ['api', 'port'] } });
    });
    const decrypted = await decryptManifests(roundTripThroughGit(objects), { identities });
    const byName = Object.fromEntries(decrypted.entries.map((e) => [e.object.metadata.name, e.object as KubeObject & { data: Record<string, string> }]));
    expect(byName['db-password']?.data).toEqual({ DB_PASSWORD: b64('hunter2') });
    expect(byName.api?.data).toEqual({ token: b64('t0ken'), port: b64('8443') });
  });

  it('reports a missing file, an unencrypted file and a missing key at the construct path', () => {
    writeFileSync(join(dir, 'plain.yaml'), SECRET);
    expect(() =>
      Testing.objects((scope) => {
        new SopsSecret(scope, 'missing', { file: join(dir, 'nope.yaml') });
        new SopsSecret(scope, 'plain', { file: join(dir, 'plain.yaml') });
        new SopsSecret(scope, 'key', { file: join(dir, 'db.enc.yaml'), keys: { x: 'nope' } });
        new SopsSecret(scope, 'recipients', { file: join(dir, 'db.enc.yaml'), requireRecipients: [identities[0]!.recipient, other[0]!.recipient] });
      }),
    ).toThrow(
      /test\/test\/missing: SopsSecret: .*nope\.yaml[\s\S]*test\/test\/plain: SopsSecret: .*is not encrypted[\s\S]*test\/test\/key: SopsSecret: .*no value at stringData\.nope[\s\S]*test\/test\/recipients: SopsSecret: .*is not encrypted for age1\w+; run `strata secrets updatekeys/,
    );
  });

  it('fails, naming the object and not the plaintext, with the wrong key or a tampered document', async () => {
    const [compiled] = Testing.objects((scope) => new SopsSecret(scope, 'db', { file: join(dir, 'db.enc.yaml') }));
    const wrong = await decryptManifests(roundTripThroughGit([compiled!]), { identities: other }).then(() => new AggregateError([], "accepted"), (e: AggregateError) => e);
    expect(wrong).toBeInstanceOf(AggregateError);
    expect(wrong.message).toMatch(/^Secret\/shop\/db: .*none of the 1 age identity/);
    const envelope = (compiled as unknown as { sops: { document: string } }).sops;
    envelope.document = envelope.document.replace('name: db', 'name: dc');
    const tampered = await decryptManifests(roundTripThroughGit([compiled!]), { identities }).then(() => new AggregateError([], "accepted"), (e: AggregateError) => e);
    expect(tampered.message).toMatch(/^Secret\/shop\/db: .*MAC mismatch/);
    expect(tampered.message).not.toMatch(/hunter2|admin/);
  });
});

describe('plain SOPS documents in a manifest folder', () => {
  it('decrypt in file order, and a changed value is refused with the object named', async () => {
    const text = await encryptDocument(SECRET, { recipients: [identities[0]!.recipient], encryptedRegex: '^(data|stringData)$' });
    const set = parseManifestFiles([
      { path: 'shop/db.yaml', text },
      { path: 'shop/cm.yaml', text: 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm\n  namespace: shop\ndata:\n  a: b\n' },
    ]);
    const out = await decryptManifests(set, { identities });
    const secret = out.entries.find((e) => e.object.kind === 'Secret')!.object as KubeObject & { data: Record<string, string> };
    expect(secret.data.password).toBe(b64('hunter2'));
    expect(secret).not.toHaveProperty('sops');
    const bad = parseManifestFiles([{ path: 'shop/db.yaml', text: text.replace('namespace: shop', 'namespace: kube-system') }]);
    await expect(decryptManifests(bad, { identities })).rejects.toThrow(/^Secret\/kube-system\/db: .*MAC mismatch/);
  });
});

describe('findPlaintextSecrets', () => {
  it('finds plain Secrets with values by construct path, unless marked non-sensitive', () => {
    const objects = Testing.cluster((scope) => {
      new ApiObject(scope, 'leak', { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'leak', namespace: 'shop' }, stringData: { password: 'x' } });
      new ApiObject(scope, 'public', { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'ca', annotations: { [NON_SENSITIVE_ANNOTATION]: 'true' } }, data: { 'ca.crt': 'eA==' } });
      new ApiObject(scope, 'empty', { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'empty' }, type: 'kubernetes.io/service-account-token' });
      new ApiObject(scope, 'cm', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cm' }, data: { a: 'b' } });
    }).synthesize();
    expect(findPlaintextSecrets(objects)).toEqual([{ object: 'Secret/shop/leak', source: 'test/test/leak', keys: ['password'], field: 'stringData' }]);
    expect(() => assertNoPlaintextSecrets(objects)).toThrow(PlaintextSecretError);
    expect(() => assertNoPlaintextSecrets(objects)).toThrow(/test\/test\/leak: Secret\/shop\/leak holds password\n/);
    expect(() => assertNoPlaintextSecrets(objects)).not.toThrow(/: x\b/);
  });
});
