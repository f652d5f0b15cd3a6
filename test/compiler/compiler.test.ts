import { readFileSync, writeFileSync, existsSync, unlinkSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { CompileError, compile, listFiles, synth } from '../../src/compiler/index.ts';
import { FixtureProject, clusterModule, sampleObjects } from './_project.ts';

const projects: FixtureProject[] = [];
function project(clusters: Record<string, string>): FixtureProject {
  const created = new FixtureProject(clusters);
  projects.push(created);
  return created;
}
afterEach(() => {
  for (const created of projects.splice(0)) created.remove();
});

function snapshotOf(root: string): Record<string, string> {
  return Object.fromEntries(listFiles(root).map((file) => [file, readFileSync(`${root}/${file}`, 'utf8')]));
}

async function failure(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a failure');
}

describe('synth', () => {
  it('compiles a fixture cluster to one canonical file per object and index.json', async () => {
    const fixture = project({ dev: clusterModule('dev', sampleObjects('dev')) });
    const result = await synth({ root: fixture.root });
    expect(result.clusters.map((c) => [c.cluster, c.action, c.objects])).toEqual([['dev', 'written', 4]]);
    expect(snapshotOf(fixture.path('deploy'))).toMatchSnapshot();
  }, 120_000);

  it('is deterministic: two compiles give the same bytes, and an unchanged recompile writes nothing', async () => {
    const fixture = project({ dev: clusterModule('dev', sampleObjects('dev')) });
    const [first] = await compile({ root: fixture.root });
    const [second] = await compile({ root: fixture.root });
    expect([...first!.files]).toEqual([...second!.files]);
    await synth({ root: fixture.root });
    const cached = await synth({ root: fixture.root });
    expect(cached.clusters[0]?.action).toBe('cached');
    const recompiled = await synth({ root: fixture.root, cache: false });
    expect(recompiled.clusters[0]?.action).toBe('unchanged');
  }, 120_000);

  it('with unchanged sources, recompiles after a file is edited (same size), added or removed in the output, and reports the object count when cached', async () => {
    const fixture = project({ dev: clusterModule('dev', sampleObjects('dev')) });
    await synth({ root: fixture.root });
    const cached = await synth({ root: fixture.root });
    expect(cached.clusters[0]).toMatchObject({ action: 'cached', objects: 4 });
    const file = fixture.path('deploy', 'dev', 'shop', 'deployment-api.yaml');
    const text = readFileSync(file, 'utf8');
    const cases: [string, () => void, string[]][] = [
      ['edited', () => writeFileSync(file, text.replace('kind: Deployment', 'kind: Deploymenx')), ['shop/deployment-api.yaml']],
      ['added', () => writeFileSync(fixture.path('deploy', 'dev', 'shop', 'stray.yaml'), 'stray\n'), []],
      ['removed', () => unlinkSync(file), ['shop/deployment-api.yaml']],
    ];
    for (const [what, change, written] of cases) {
      change();
      const result = await synth({ root: fixture.root });
      expect({ what, ...result.clusters[0] }).toMatchObject({ what, action: 'written', objects: 4, written, removed: what === 'added' ? ['shop/stray.yaml'] : [] });
      expect((await synth({ root: fixture.root })).clusters[0]?.action).toBe('cached');
    }
    expect(readFileSync(file, 'utf8')).toBe(text);
  }, 120_000);

  it('removes files that no longer belong and recompiles after a hand edit', async () => {
    const fixture = project({ dev: clusterModule('dev', sampleObjects('dev')) });
    await synth({ root: fixture.root });
    const edited = fixture.path('deploy', 'dev', 'shop', 'deployment-api.yaml');
    writeFileSync(edited, 'edited by hand\n');
    writeFileSync(fixture.path('deploy', 'dev', 'shop', 'stray.yaml'), 'stray\n');
    fixture.setCluster('dev', clusterModule('dev', sampleObjects('dev').filter((o) => o.object['kind'] !== 'Service')));
    const result = await synth({ root: fixture.root });
    expect(result.clusters[0]).toMatchObject({ action: 'written', removed: ['shop/service-api.yaml', 'shop/stray.yaml'] });
    expect(readFileSync(edited, 'utf8')).toContain('kind: Deployment');
  }, 120_000);

  it('writes nothing when any cluster fails to compile', async () => {
    const fixture = project({ dev: clusterModule('dev', sampleObjects('dev')), prod: clusterModule('prod', sampleObjects('prod')) });
    await synth({ root: fixture.root });
    const before = snapshotOf(fixture.path('deploy'));
    fixture.setCluster('dev', clusterModule('dev', sampleObjects('dev', { namespace: 'store' })));
    fixture.setCluster('prod', clusterModule('prod', [...sampleObjects('prod'), ...sampleObjects('prod').slice(2, 3)]));
    fixture.setCluster('qa', clusterModule('qa', sampleObjects('qa')));
    await expect(synth({ root: fixture.root })).rejects.toThrow(CompileError);
    expect(snapshotOf(fixture.path('deploy'))).toEqual(before);
    expect(existsSync(fixture.path('deploy', 'qa'))).toBe(false);
  }, 120_000);

  it('names both construct paths of a duplicate object', async () => {
    const objects = sampleObjects('dev');
    const copy = { ...objects[2]!, source: 'dev/apps/api-copy/Deployment' };
    const fixture = project({ dev: clusterModule('dev', [...objects, copy]) });
    const error = await failure(synth({ root: fixture.root }));
    expect(error.message).toContain('Deployment/shop/api is defined twice: at dev/apps/api/Deployment and at dev/apps/api-copy/Deployment');
  }, 120_000);

  it('names the construct path and the field of an invalid name or label', async () => {
    const objects = sampleObjects('dev');
    const deployment = objects[2]!.object as { metadata: Record<string, unknown> };
    deployment.metadata = { name: 'API_v2', namespace: 'shop', labels: { 'app.kubernetes.io/name': 'api!', 'bad key/x': 'ok' } };
    const service = objects[3]!.object as { metadata: Record<string, unknown> };
    service.metadata = { name: '1api', namespace: 'shop' };
    const fixture = project({ dev: clusterModule('dev', objects) });
    const error = await failure(synth({ root: fixture.root }));
    expect(error.message).toContain('Deployment/shop/API_v2: metadata.name: "API_v2" is not valid: it must be a DNS-1123 subdomain');
    expect(error.message).toContain('(construct dev/apps/api/Deployment)');
    expect(error.message).toContain('metadata.labels["app.kubernetes.io/name"]: value "api!" is not a valid label value');
    expect(error.message).toContain('metadata.labels["bad key/x"]: key "bad key/x" has an invalid prefix');
    expect(error.message).toContain('Service/shop/1api: metadata.name: "1api" is not valid: it must be a DNS-1035 label');
    expect(existsSync(fixture.path('deploy'))).toBe(false);
  }, 120_000);

  it('reports a TypeScript error with file:line', async () => {
    const fixture = project({ dev: `const replicas: number = 'two';\nexport default { name: 'dev', synthesize: () => [] , replicas };\n` });
    const error = await failure(synth({ root: fixture.root }));
    expect(error.message).toMatch(/clusters\/dev\/index\.ts:1:7: error TS2322: Type 'string' is not assignable to type 'number'/);
  }, 120_000);

  it('reports the TypeScript error, not the failure of the compile that ran beside the type-check', async () => {
    const fixture = project({ dev: `const replicas: number = 'two';\nthrow new Error('boom ' + replicas);\n` });
    const error = await failure(synth({ root: fixture.root }));
    expect(error.message).toMatch(/clusters\/dev\/index\.ts:1:7: error TS2322/);
    expect(error.message).not.toContain('boom');
    expect(existsSync(fixture.path('deploy'))).toBe(false);
  }, 120_000);
});
