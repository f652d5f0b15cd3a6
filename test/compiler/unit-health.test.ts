// The health rules of units' Syncs: a unit's own healthCheckExprs and healthChecks, else the root
// Sync's expressions, go into the Sync the compiler generates for it, where `strata validate` checks them.
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Sync } from '../../src/api/sync.ts';
import { checkSyncs, compile } from '../../src/compiler/index.ts';
import { FixtureProject, sampleObjects, type FixtureObject } from './_project.ts';

const ROOT_RULE = { apiVersion: 'example.com/v1', kind: 'Widget', current: "status.phase == 'Ready'" };
const APPS_RULE = { apiVersion: 'example.com/v1', kind: 'Gadget', current: 'status.ready ==' };

const rootSync: FixtureObject = {
  source: 'dev/strata/root-sync',
  object: {
    apiVersion: 'strata.dev/v1alpha1',
    kind: 'Sync',
    metadata: { name: 'dev', namespace: 'strata-system' },
    spec: { url: 'https://git.example/fleet.git', path: 'deploy/dev/root', healthCheckExprs: [ROOT_RULE] },
  },
};

const module = `const objects: unknown[] = ${JSON.stringify([...sampleObjects('dev'), rootSync])};
export default {
  name: 'dev',
  synthesize: () => objects as { object: { apiVersion: string; kind: string; metadata: { name: string } }; source: string }[],
  units: [
    { name: 'infrastructure', claims: (_object: unknown, source: string) => source.startsWith('dev/base/') },
    {
      name: 'apps',
      dependsOn: ['infrastructure'],
      healthCheckExprs: ${JSON.stringify([APPS_RULE])},
      healthChecks: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'db', namespace: 'data' }],
      claims: (_object: unknown, source: string) => source.startsWith('dev/apps/'),
    },
  ],
};
`;

let fixture: FixtureProject;
beforeAll(() => {
  fixture = new FixtureProject({ dev: module });
});
afterAll(() => fixture.remove());

it('units: own rules and checks, else the root Sync’s rules; a bad one is named by strata validate’s check', async () => {
  const [compiled] = await compile({ root: fixture.root, typecheck: false });
  const syncs = compiled!.set.entries.filter((entry) => entry.ref.kind === 'Sync').map((entry) => entry.object as Sync);
  const byName = new Map(syncs.map((sync) => [sync.metadata.name, sync.spec]));
  expect(byName.get('dev-infrastructure')?.healthCheckExprs).toEqual([ROOT_RULE]);
  expect(byName.get('dev-infrastructure')?.healthChecks).toBeUndefined();
  expect(byName.get('dev-apps')?.healthCheckExprs).toEqual([APPS_RULE]);
  expect(byName.get('dev-apps')?.healthChecks).toEqual([{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'db', namespace: 'data' }]);
  const problems = checkSyncs(compiled!.set.entries.map((entry) => ({ object: entry.object, source: entry.source ?? entry.file })));
  expect(problems.map((problem) => `${problem.ref.name} ${problem.field} ${problem.source}`)).toEqual(['dev-apps spec.healthCheckExprs[0].current dev/units/apps/Sync']);
}, 120_000);
