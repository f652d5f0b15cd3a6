// `strata synth` refuses a plain Secret with values, naming its construct path, unless it is
// marked non-sensitive; a SopsSecret compiles to ciphertext only.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { compareEnvironments, compile, ObjectValidationError, type CompiledCluster } from '../../src/compiler/index.ts';
import { ManifestSet } from '../../src/manifest/index.ts';
import { SopsSecret } from '../../src/constructs/sops-secret.ts';
import { Testing } from '../../src/constructs/testing.ts';
import { encryptDocument, generateIdentity, NON_SENSITIVE_ANNOTATION } from '../../src/secrets/index.ts';
import { FixtureProject, clusterModule, sampleObjects, type FixtureObject } from '../compiler/_project.ts';

const projects: FixtureProject[] = [];
afterEach(() => {
  for (const p of projects.splice(0)) p.remove();
});

function project(objects: FixtureObject[]): FixtureProject {
  const created = new FixtureProject({ dev: clusterModule('dev', objects) });
  projects.push(created);
  return created;
}

const secret = (name: string, extra: Record<string, unknown>): FixtureObject => ({
  source: `dev/apps/api/${name}`,
  object: { apiVersion: 'v1', kind: 'Secret', metadata: { name, namespace: 'shop' }, ...extra },
});

describe('the compiler and Secrets', () => {
  it('refuses plain Secrets with values, naming each construct path and the keys, never the values', async () => {
    const fixture = project([
      ...sampleObjects('dev'),
      secret('db', { stringData: { password: 'hunter2' }, data: { token: 'c2VjcmV0' } }),
      secret('ca', { metadata: { name: 'ca', namespace: 'shop', annotations: { [NON_SENSITIVE_ANNOTATION]: 'true' } }, data: { 'ca.crt': 'Y2E=' } }),
      secret('empty', { type: 'kubernetes.io/service-account-token' }),
    ]);
    const error = await compile({ root: fixture.root }).then(
      () => undefined,
      (e: unknown) => e,
    );
    const cause = error instanceof ObjectValidationError ? error : ((error as { errors?: unknown[] })?.errors?.[0] as Error | undefined);
    expect(cause).toBeInstanceOf(ObjectValidationError);
    expect(cause!.message).toContain('Secret/shop/db: data, stringData: plaintext Secret values (password, token) would be written to Git; use a SopsSecret');
    expect(cause!.message).toContain('(construct dev/apps/api/db)');
    expect(cause!.message).not.toMatch(/ca\.crt|empty|hunter2|c2VjcmV0/);
  }, 120_000);

  it('compiles a SopsSecret to ciphertext', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'strata-compile-sops-'));
    try {
      const { recipient } = await generateIdentity();
      const file = join(dir, 'db.yaml');
      writeFileSync(file, await encryptDocument('apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\n  namespace: shop\nstringData:\n  password: hunter2\n', { recipients: [recipient], encryptedRegex: '^(data|stringData)$' }));
      const [compiled] = Testing.objects((scope) => new SopsSecret(scope, 'db', { file }));
      const fixture = project([...sampleObjects('dev'), { source: 'dev/apps/api/db', object: compiled as unknown as Record<string, unknown> }]);
      const [result] = await compile({ root: fixture.root });
      const text = [...(result as { files: ReadonlyMap<string, string> }).files.values()].join('\n');
      expect(text).toContain('ENC[AES256_GCM');
      expect(text).not.toContain('hunter2');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});

describe('secretGenerator and the compiler', () => {
  // A cluster that runs the real overlay over the sample objects, as a Cluster does.
  const generated = (options: string): string => `import { Overlays } from '../../../../src/constructs/index.ts';
import { applyOverlays } from '../../../../src/constructs/overlays/overlay.ts';

const objects = ${JSON.stringify(sampleObjects('dev'))};

export default {
  name: 'dev',
  synthesize: () => {
    const problems: string[] = [];
    const resources = applyOverlays(
      objects.map((entry) => ({ object: structuredClone(entry.object) as never, source: entry.source })),
      [Overlays.secretGenerator({ name: 'api-settings', namespace: 'shop', stringData: { REGION: 'eu-west-1' }${options} })],
      'dev',
      (path, message) => problems.push(\`\${path}: \${message}\`),
    );
    if (problems.length > 0) throw new Error(problems.join('\\n'));
    return resources;
  },
};
`;

  it('refuses its Secret by default, naming the generator\'s construct path', async () => {
    const fixture = new FixtureProject({ dev: generated('') });
    projects.push(fixture);
    const error = await compile({ root: fixture.root }).then(
      () => undefined,
      (e: unknown) => e,
    );
    const cause = error instanceof ObjectValidationError ? error : ((error as { errors?: unknown[] })?.errors?.[0] as Error | undefined);
    expect(cause).toBeInstanceOf(ObjectValidationError);
    expect(cause!.message).toMatch(/Secret\/shop\/api-settings-[0-9a-f]{10}: data: plaintext Secret values \(REGION\) would be written to Git/);
    expect(cause!.message).toContain('(construct dev/overlays/secretGenerator(shop/api-settings))');
  }, 120_000);

  it('compiles it as it is with nonSensitive: true, the annotation written', async () => {
    const fixture = new FixtureProject({ dev: generated(', nonSensitive: true') });
    projects.push(fixture);
    const [result] = await compile({ root: fixture.root });
    const file = [...result!.files].find(([path]) => path.includes('secret-api-settings-'));
    expect(file?.[1]).toContain(`${NON_SENSITIVE_ANNOTATION}: "true"`);
    expect(file?.[1]).toContain(`REGION: ${btoa('eu-west-1')}`);
  }, 120_000);
});

describe('parity with encrypted Secrets', () => {
  it('compares ciphertext: the same file is identical across clusters, a different one differs without plaintext', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'strata-parity-sops-'));
    try {
      const { recipient } = await generateIdentity();
      const source = (value: string) => `apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\n  namespace: shop\nstringData:\n  password: ${value}\n`;
      writeFileSync(join(dir, 'a.yaml'), await encryptDocument(source('alpha-secret'), { recipients: [recipient] }));
      writeFileSync(join(dir, 'b.yaml'), await encryptDocument(source('beta-secret'), { recipients: [recipient] }));
      const compiled = (file: string) => Testing.objects((scope) => new SopsSecret(scope, 'db', { file: join(dir, file) }))[0] as unknown as Record<string, unknown>;
      const cluster = (name: string, file: string): CompiledCluster => {
        const set = ManifestSet.of([{ object: compiled(file) as never, source: `${name}/apps/db` }]);
        return { name, set, files: new Map() };
      };
      const same = compareEnvironments(cluster('staging', 'a.yaml'), cluster('production', 'a.yaml'));
      expect(same.changed).toEqual([]);
      const different = compareEnvironments(cluster('staging', 'a.yaml'), cluster('production', 'b.yaml'));
      expect(different.changed).toHaveLength(1);
      expect(different.changed[0]!.differences.map((d) => d.path)).toContain('sops.document');
      expect(JSON.stringify(different)).not.toMatch(/alpha-secret|beta-secret/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
