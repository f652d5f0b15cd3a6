// History and rollback of a cluster compiled into units (deploy/<cluster>/<unit>/index.json each),
// on a real repository: changes name their unit, a rollback can restore one unit only.
import { afterEach, describe, expect, it } from 'vitest';
import { readHistory } from '../../src/gitops/history.ts';
import { rollback } from '../../src/gitops/rollback.ts';
import { RollbackConflictError } from '../../src/gitops/errors.ts';
import { describeChange } from '../../src/gitops/object-changes.ts';
import { configMap, namespaceObject, tempRepo, type TempRepo } from './_repo.ts';

const repos: TempRepo[] = [];
afterEach(() => {
  for (const repo of repos.splice(0)) repo.dispose();
});

async function unitRevisions(): Promise<{ repo: TempRepo; revs: string[] }> {
  const repo = await tempRepo();
  repos.push(repo);
  const ns = namespaceObject('shop');
  repo.writeUnits('production', { root: [], infrastructure: [ns, configMap('shop', 'limits', { v: '1' })], apps: [configMap('shop', 'a', { v: '1' })] });
  const r1 = await repo.commit('Compile production into units');
  repo.writeUnits('production', { root: [], infrastructure: [ns, configMap('shop', 'limits', { v: '2' })], apps: [configMap('shop', 'a', { v: '2' })] });
  const r2 = await repo.commit('Compile: limits v2, a v2');
  // The limits move to the apps unit: the same object, applied by another Sync.
  repo.writeUnits('production', { root: [], infrastructure: [ns], apps: [configMap('shop', 'a', { v: '2' }), configMap('shop', 'limits', { v: '2' })] });
  const r3 = await repo.commit('Compile: limits belong to the apps');
  return { repo, revs: [r1, r2, r3] };
}

describe('units in history and rollback', () => {
  it('history names the unit of every changed object, a move between units included', async () => {
    const { repo, revs } = await unitRevisions();
    const history = await readHistory({ dir: repo.dir, cluster: 'production' });
    expect(history.revisions.map((r) => r.commit)).toEqual([revs[2], revs[1], revs[0]]);
    const [third, second, first] = history.revisions;
    expect(first?.changes.map((c) => `${c.action} ${describeChange(c)}`)).toEqual(['added apps: ConfigMap/shop/a', 'added infrastructure: Namespace/shop', 'added infrastructure: ConfigMap/shop/limits']);
    expect(second?.changes.map((c) => `${c.action} ${describeChange(c)}`)).toEqual(['changed apps: ConfigMap/shop/a', 'changed infrastructure: ConfigMap/shop/limits']);
    expect(third?.changes.map((c) => `${c.action} ${describeChange(c)} (${c.file})`)).toEqual(['changed apps: ConfigMap/shop/limits (apps/shop/configmap-limits.yaml)']);
    expect(first?.digest).toMatch(/^sha256:|^[0-9a-f]{64}$/);
  });

  it('rolls back one unit only, leaving the others as they are', async () => {
    const { repo, revs } = await unitRevisions();
    const infrastructure = await repo.git('rev-parse', 'HEAD:deploy/production/infrastructure');
    const result = await rollback({ dir: repo.dir, cluster: 'production', unit: 'apps', to: revs[0], reason: 'a v2 breaks checkout' });
    expect(result.outcome).toBe('committed');
    expect(result.unit).toBe('apps');
    expect(result.changes.map((c) => `${c.action} ${describeChange(c)}`)).toEqual(['changed apps: ConfigMap/shop/a', 'removed apps: ConfigMap/shop/limits']);
    expect(result.message.split('\n')[0]).toBe(`Roll back production (unit apps) to ${revs[0]?.slice(0, 12)}: a v2 breaks checkout`);
    expect(await repo.git('rev-parse', 'HEAD:deploy/production/apps')).toBe(await repo.git('rev-parse', `${revs[0]}:deploy/production/apps`));
    expect(await repo.git('rev-parse', 'HEAD:deploy/production/infrastructure')).toBe(infrastructure);

    const whole = await rollback({ dir: repo.dir, cluster: 'production', to: revs[0], dryRun: true });
    expect(whole.changes.map((c) => `${c.action} ${describeChange(c)}`)).toEqual(['added infrastructure: ConfigMap/shop/limits']); // apps no longer holds it after the rollback above

    const unknown = await rollback({ dir: repo.dir, cluster: 'production', unit: 'database', to: revs[0] }).catch((error: unknown) => error);
    expect(unknown).toBeInstanceOf(RollbackConflictError);
    expect((unknown as Error).message).toMatch(/deploy\/production\/ has no unit "database" at [0-9a-f]{12} or [0-9a-f]{12} \(units: apps, infrastructure, root\)/);
  });
});
