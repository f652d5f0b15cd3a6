// `strata validate` parse- and type-checks the CEL health rules of every Sync a cluster compiles to,
// naming the file, the Sync, the field of the bad expression, its kind and the construct.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SYNC_CRD } from '../../src/api/sync.ts';
import { FixtureProject, clusterModule } from '../compiler/_project.ts';
import { strata } from './_run.ts';

const sync = (healthCheckExprs: readonly Record<string, string>[]) => ({
  source: 'dev/gitops/Sync',
  object: {
    apiVersion: 'strata.dev/v1alpha1',
    kind: 'Sync',
    metadata: { name: 'apps', namespace: 'strata-system' },
    spec: { url: 'https://git.example.com/infra.git', path: 'deploy/dev', wait: true, healthCheckExprs },
  },
});

const objects = (healthCheckExprs: readonly Record<string, string>[]) => [
  { source: 'dev/agent/SyncCrd', object: SYNC_CRD as unknown as Record<string, unknown> },
  { source: 'dev/base/Namespace', object: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'strata-system' } } },
  sync(healthCheckExprs),
];

const GOOD = {
  apiVersion: 'example.com/v1',
  kind: 'Widget',
  inProgress: "!has(status.phase) || status.phase == 'Building'",
  failed: "status.phase == 'Broken'",
  current: "status.phase == 'Ready'",
};

let fixture: FixtureProject;
beforeAll(() => {
  fixture = new FixtureProject({ dev: clusterModule('dev', objects([GOOD])) });
});
afterAll(() => fixture.remove());

describe('strata validate: healthCheckExprs', () => {
  it('passes a Sync whose expressions compile, and fails one with a syntax error or an unknown variable, naming each', () => {
    expect(strata(['validate', '--root', fixture.root, '--no-typecheck'])).toMatchObject({ status: 0, stdout: '3 objects valid\n' });

    fixture.setCluster('dev', clusterModule('dev', objects([{ ...GOOD, failed: "status.phase == 'Broken' ||" }, { apiVersion: 'example.com/v1', kind: 'Gadget', current: "stauts.ready == true" }])));
    const result = strata(['validate', '--root', fixture.root, '--no-typecheck']);
    expect(result.status).toBe(1);
    expect(result.stdout).toContain(
      `invalid deploy/dev/strata-system/sync.strata.dev-apps.yaml: Sync/strata-system/apps: spec.healthCheckExprs[0].failed: example.com/Widget: "status.phase == 'Broken' ||": Unexpected token: EOF (construct dev/gitops/Sync)`,
    );
    expect(result.stdout).toContain('Sync/strata-system/apps: spec.healthCheckExprs[1].current: example.com/Gadget: "stauts.ready == true": Unknown variable: stauts');
    expect(result.stderr).toBe('2 problems in 3 objects\n');
  }, 300_000);
});
