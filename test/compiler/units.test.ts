// Units: a cluster compiled into deploy/<cluster>/<unit>/ folders, the units' Syncs generated
// into the root unit, cycles and objects claimed by two units refused (writing nothing).
import { existsSync, readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { compile, listFiles, synth } from '../../src/compiler/index.ts';
import { FixtureProject, sampleObjects, type FixtureObject } from './_project.ts';

const projects: FixtureProject[] = [];
function project(clusters: Record<string, string>): FixtureProject {
  const created = new FixtureProject(clusters);
  projects.push(created);
  return created;
}
afterEach(() => {
  for (const created of projects.splice(0)) created.remove();
});

async function failure(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a failure');
}

function rootSync(cluster: string, path: string): FixtureObject {
  return {
    source: `${cluster}/strata/root-sync`,
    object: {
      apiVersion: 'strata.dev/v1alpha1',
      kind: 'Sync',
      metadata: { name: cluster, namespace: 'strata-system', labels: { 'app.kubernetes.io/part-of': 'strata' } },
      spec: { url: 'https://git.example/fleet.git', ref: { branch: 'main' }, path, interval: '1m', prune: true, secretRef: { name: 'strata-git-auth' }, decryption: { provider: 'sops', secretRef: { name: 'strata-age-key' } } },
    },
  };
}

/** A plain ClusterSource with units claiming construct paths: `units` is `[name, path prefix, dependsOn]`; the prefix is a regular expression. */
function unitsModule(name: string, objects: readonly FixtureObject[], units: readonly (readonly [string, string, readonly string[]])[]): string {
  const declared = units
    .map(([unit, prefix, dependsOn]) => `    { name: ${JSON.stringify(unit)}, dependsOn: ${JSON.stringify(dependsOn)}, claims: (_object: unknown, source: string) => new RegExp(${JSON.stringify(`^${prefix}`)}).test(source) },`)
    .join('\n');
  return `const objects: unknown[] = ${JSON.stringify(objects, null, 2)};\n\nexport default {\n  name: ${JSON.stringify(name)},\n  synthesize: () => objects as { object: { apiVersion: string; kind: string; metadata: { name: string } }; source: string }[],\n  units: [\n${declared}\n  ],\n};\n`;
}

const INFRA_APPS = [
  ['apps', 'dev/apps/', ['infrastructure']],
  ['infrastructure', 'dev/base/', []],
] as const;

describe('units', () => {
  it('writes one folder per unit with its own index.json, and the units’ Syncs (dependsOn, the root Sync’s source) into the root unit', async () => {
    const fixture = project({ dev: unitsModule('dev', [...sampleObjects('dev'), rootSync('dev', 'deploy/dev/root')], INFRA_APPS) });
    const result = await synth({ root: fixture.root, typecheck: false });
    expect(result.clusters.map((c) => [c.cluster, c.action, c.objects])).toEqual([['dev', 'written', 7]]);
    expect(listFiles(fixture.path('deploy', 'dev'))).toEqual([
      'apps/index.json',
      'apps/shop/configmap-api-config.yaml',
      'apps/shop/deployment-api.yaml',
      'apps/shop/service-api.yaml',
      'infrastructure/_cluster/namespace-shop.yaml',
      'infrastructure/index.json',
      'root/index.json',
      'root/strata-system/sync.strata.dev-dev-apps.yaml',
      'root/strata-system/sync.strata.dev-dev-infrastructure.yaml',
      'root/strata-system/sync.strata.dev-dev.yaml',
    ]);
    const index = JSON.parse(readFileSync(fixture.path('deploy', 'dev', 'apps', 'index.json'), 'utf8'));
    expect(index).toMatchObject({ cluster: 'dev', unit: 'apps' });
    expect(index.objects.map((o: { file: string }) => o.file)).toEqual(['shop/configmap-api-config.yaml', 'shop/deployment-api.yaml', 'shop/service-api.yaml']);
    const apps = parse(readFileSync(fixture.path('deploy', 'dev', 'root', 'strata-system', 'sync.strata.dev-dev-apps.yaml'), 'utf8'));
    expect(apps).toEqual({
      apiVersion: 'strata.dev/v1alpha1',
      kind: 'Sync',
      metadata: { name: 'dev-apps', namespace: 'strata-system', labels: { 'strata.dev/unit': 'apps' } },
      spec: {
        url: 'https://git.example/fleet.git',
        ref: { branch: 'main' },
        secretRef: { name: 'strata-git-auth' },
        path: 'deploy/dev/apps',
        interval: '1m',
        prune: true,
        wait: true,
        dependsOn: [{ name: 'dev-infrastructure' }],
        decryption: { provider: 'sops', secretRef: { name: 'strata-age-key' } },
      },
    });
    const infrastructure = parse(readFileSync(fixture.path('deploy', 'dev', 'root', 'strata-system', 'sync.strata.dev-dev-infrastructure.yaml'), 'utf8'));
    expect(infrastructure.spec.path).toBe('deploy/dev/infrastructure');
    expect(infrastructure.spec.dependsOn).toBeUndefined();

    // Root first, then dependency order (infrastructure before apps although declared after).
    const [compiled] = await compile({ root: fixture.root, typecheck: false });
    expect(compiled?.units?.map((unit) => [unit.name, unit.dependsOn, unit.set.size])).toEqual([
      ['root', [], 3],
      ['infrastructure', [], 1],
      ['apps', ['infrastructure'], 3],
    ]);
  }, 120_000);

  it('without a root Sync (not bootstrapped yet) writes the units and an empty root unit', async () => {
    const fixture = project({ dev: unitsModule('dev', sampleObjects('dev'), INFRA_APPS) });
    await synth({ root: fixture.root, typecheck: false });
    expect(JSON.parse(readFileSync(fixture.path('deploy', 'dev', 'root', 'index.json'), 'utf8')).objects).toEqual([]);
    expect(existsSync(fixture.path('deploy', 'dev', 'apps', 'shop', 'deployment-api.yaml'))).toBe(true);
  }, 120_000);

  it('refuses a dependency cycle, writing nothing', async () => {
    const fixture = project({
      dev: unitsModule('dev', sampleObjects('dev'), [
        ['apps', 'dev/apps/', ['infrastructure']],
        ['infrastructure', 'dev/base/', ['apps']],
      ]),
    });
    const error = await failure(synth({ root: fixture.root, typecheck: false }));
    expect(error.message).toContain('UnitError: cluster dev: 1 unit problem');
    expect(error.message).toContain('the units depend on each other in a cycle: apps → infrastructure → apps; no unit of it could ever be applied');
    expect(existsSync(fixture.path('deploy'))).toBe(false);
  }, 120_000);

  it('refuses an object two units claim, and the same object in two units, naming the object, both units and construct paths', async () => {
    const twice = project({
      dev: unitsModule('dev', sampleObjects('dev'), [
        ['infrastructure', 'dev/', []],
        ['apps', 'dev/apps/', ['infrastructure']],
      ]),
    });
    const claimed = await failure(synth({ root: twice.root, typecheck: false }));
    expect(claimed.message).toContain('Deployment/shop/api (construct dev/apps/api/Deployment) is claimed by the units infrastructure and apps: an object belongs to one unit');
    expect(existsSync(twice.path('deploy'))).toBe(false);

    const namespace = { source: 'dev/apps/api/Namespace', object: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop' } } };
    const both = project({ dev: unitsModule('dev', [...sampleObjects('dev'), namespace], INFRA_APPS) });
    const duplicated = await failure(synth({ root: both.root, typecheck: false }));
    expect(duplicated.message).toContain('Namespace/shop is in two units: infrastructure (construct dev/base/Namespace) and apps (construct dev/apps/api/Namespace); one unit must own it');
  }, 120_000);

  it('refuses unknown dependencies, the reserved name root, and a root Sync that points at the whole cluster', async () => {
    const fixture = project({
      dev: unitsModule('dev', [...sampleObjects('dev'), rootSync('dev', 'deploy/dev')], [
        ['root', 'dev/base/', []],
        ['apps', 'dev/apps/', ['database']],
      ]),
    });
    const error = await failure(synth({ root: fixture.root, typecheck: false }));
    expect(error.message).toContain('unit "root": the name is reserved for the objects no unit claims');
    expect(error.message).toContain('unit apps depends on "database", which is not a unit (units: root, apps)');

    fixture.setCluster('dev', unitsModule('dev', [...sampleObjects('dev'), rootSync('dev', 'deploy/dev')], INFRA_APPS));
    const pointing = await failure(synth({ root: fixture.root, typecheck: false }));
    expect(pointing.message).toContain('Sync strata-system/dev (construct dev/strata/root-sync) points at "deploy/dev", which would apply every unit at once');
  }, 120_000);
});

describe('units in parity', () => {
  it('factors out the cluster in the units’ folders and reports an object applied in another unit', async () => {
    const units = (cluster: string, infrastructure: string, apps = `${cluster}/apps/`) =>
      unitsModule(cluster, [...sampleObjects(cluster), rootSync(cluster, `deploy/${cluster}/root`)], [
        ['infrastructure', infrastructure, []],
        ['apps', apps, ['infrastructure']],
      ]);
    const fixture = project({ dev: units('dev', 'dev/(base|apps/api/ConfigMap)', 'dev/apps/(?!api/ConfigMap)'), prod: units('prod', 'prod/base/') });
    const { compareEnvironments } = await import('../../src/compiler/parity.ts');
    const compiled = await compile({ root: fixture.root, typecheck: false });
    const result = compareEnvironments(compiled[0]!, compiled[1]!);
    expect(result.changed).toEqual([{ id: 'apps/api/ConfigMap', a: 'ConfigMap/shop/api-config', b: 'ConfigMap/shop/api-config', differences: [{ path: '(unit)', a: 'infrastructure', b: 'apps' }] }]);
    expect(result.identical).toBe(6); // the units' Syncs among them: deploy/dev/apps and deploy/prod/apps are the same folder
  }, 120_000);
});

describe('Cluster units', () => {
  const clusterModule = (units: string) => `import { ApiObject } from 'cdk8s';
import type { Construct } from 'constructs';
import { Cluster, Testing } from 'strata-gitops';

const environment = Testing.environment({ name: 'dev' });
const namespace = (scope: Construct) => new ApiObject(scope, 'ns', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop' } });
const config = (scope: Construct) => new ApiObject(scope, 'cm', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings', namespace: 'shop' }, data: { a: 'b' } });

export default new Cluster({
  environment,
  layers: { base: [namespace], apps: [config] },
  units: ${units},
});
`;

  it('puts layers into units, and refuses a layer two units claim or one that does not exist', async () => {
    const fixture = project({ dev: clusterModule(`[{ name: 'infrastructure', layers: ['base'] }, { name: 'apps', layers: ['apps'], dependsOn: ['infrastructure'] }]`) });
    const [compiled] = await compile({ root: fixture.root, typecheck: false });
    expect(compiled?.units?.map((unit) => [unit.name, unit.set.entries.map((entry) => entry.ref.kind)])).toEqual([
      ['root', []],
      ['infrastructure', ['Namespace']],
      ['apps', ['ConfigMap']],
    ]);

    fixture.setCluster('dev', clusterModule(`[{ name: 'infrastructure', layers: ['base', 'apps'] }, { name: 'apps', layers: ['apps', 'nope'] }]`));
    const error = await failure(compile({ root: fixture.root, typecheck: false }));
    expect(error.message).toContain('dev/units/apps: layer "apps" is claimed by the units infrastructure and apps');
    expect(error.message).toContain('dev/units/apps: layer "nope" does not exist (layers: base, apps)');
  }, 120_000);
});
