// History and rollback on a real repository (git CLI, temporary folder): three compiled
// revisions of production (with staging changing beside them), a rollback to the first,
// and the history of all four commits.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { readHistory } from '../../src/gitops/history.ts';
import { rollback } from '../../src/gitops/rollback.ts';
import { DirtyWorkTreeError, RevisionNotFoundError, RollbackConflictError } from '../../src/gitops/errors.ts';
import { configMap, namespaceObject, tempRepo, type TempRepo } from './_repo.ts';

const repos: TempRepo[] = [];
afterEach(() => {
  for (const repo of repos.splice(0)) repo.dispose();
});

async function threeRevisions(): Promise<{ repo: TempRepo; revs: string[] }> {
  const repo = await tempRepo();
  repos.push(repo);
  const ns = namespaceObject('shop');
  repo.write('clusters/production/index.ts', '// v1\n');
  repo.writeOutput('production', [ns, configMap('shop', 'a', { v: '1' }), configMap('shop', 'b', { v: '1' })]);
  repo.writeOutput('staging', [ns, configMap('shop', 'a', { v: 's1' })]);
  const r1 = await repo.commit('Compile production and staging\n\nStrata-Source-Commit: 1111111111111111111111111111111111111111\n');
  repo.write('clusters/production/index.ts', '// v2\n');
  repo.writeOutput('production', [ns, configMap('shop', 'a', { v: '2' }), configMap('shop', 'b', { v: '1' }), configMap('shop', 'c', { v: '1' })]);
  repo.writeOutput('staging', [ns, configMap('shop', 'a', { v: 's2' })]);
  const r2 = await repo.commit('Compile: a to v2, add c\n\nSource-Commit: 2222222222222222222222222222222222222222\n', { GIT_AUTHOR_NAME: 'Bob Builder', GIT_AUTHOR_EMAIL: 'bob@strata.invalid' });
  // A source-only commit: not an applied revision of any environment.
  repo.write('README.md', 'docs\n');
  await repo.commit('Docs only');
  repo.writeOutput('production', [ns, configMap('shop', 'a', { v: '2' }), configMap('shop', 'c', { v: '3' })]);
  repo.writeOutput('staging', [ns, configMap('shop', 'a', { v: 's3' })]);
  const r3 = await repo.commit('Compile: drop b, c to v3');
  return { repo, revs: [r1, r2, r3] };
}

describe('strata history', () => {
  it('lists the commits that changed deploy/<cluster>/, newest first, with their object changes', async () => {
    const { repo, revs } = await threeRevisions();
    const history = await readHistory({ dir: repo.dir, cluster: 'production', runningRevision: `main@sha1:${revs[1]}` });
    expect(history.revisions.map((r) => r.commit)).toEqual([revs[2], revs[1], revs[0]]);
    const [third, second, first] = history.revisions;
    expect(first?.changes.map((c) => `${c.action} ${c.subject}`)).toEqual(['added Namespace/shop', 'added ConfigMap/shop/a', 'added ConfigMap/shop/b']);
    expect(first?.sourceCommit).toBe('1111111111111111111111111111111111111111');
    expect(second?.changes.map((c) => `${c.action} ${c.subject}`)).toEqual(['changed ConfigMap/shop/a', 'added ConfigMap/shop/c']);
    expect(second?.author).toEqual({ name: 'Bob Builder', email: 'bob@strata.invalid' });
    expect(second?.sourceCommit).toBe('2222222222222222222222222222222222222222');
    expect(third?.changes.map((c) => `${c.action} ${c.subject}`)).toEqual(['removed ConfigMap/shop/b', 'changed ConfigMap/shop/c']);
    expect(third?.counts).toEqual({ added: 0, changed: 1, removed: 1 });
    expect(history.revisions.map((r) => r.running)).toEqual([false, true, false]);
    expect(history.running).toEqual({ revision: `main@sha1:${revs[1]}`, commit: revs[1] });
  });

  it('marks the revision holding the running output when the cluster runs a later commit that did not touch it', async () => {
    const { repo, revs } = await threeRevisions();
    repo.write('README.md', 'more docs\n');
    const docs = await repo.commit('More docs');
    const history = await readHistory({ dir: repo.dir, cluster: 'production', runningRevision: `main@sha1:${docs}`, limit: 2 });
    expect(history.revisions.map((r) => [r.commit, r.running])).toEqual([
      [revs[2], true],
      [revs[1], false],
    ]);
  });
});

describe('strata rollback', () => {
  it('rolls production back to the first revision with one commit, touching nothing else; history shows all four commits', async () => {
    const { repo, revs } = await threeRevisions();
    const stagingBefore = await repo.git('rev-parse', 'HEAD:deploy/staging');
    const sourcesBefore = await repo.git('rev-parse', 'HEAD:clusters');
    const result = await rollback({ dir: repo.dir, cluster: 'production', to: revs[0], reason: 'checkout errors after c v3' });
    expect(result.outcome).toBe('committed');
    expect(result.revisions.map((r) => r.commit)).toEqual([revs[2], revs[1]]);
    expect(result.changes.map((c) => `${c.action} ${c.subject}`)).toEqual(['changed ConfigMap/shop/a', 'added ConfigMap/shop/b', 'removed ConfigMap/shop/c']);
    expect(await repo.git('rev-parse', 'HEAD')).toBe(result.commit);
    // deploy/production is exactly what the first revision had; staging and the sources are untouched.
    expect(await repo.git('rev-parse', 'HEAD:deploy/production')).toBe(await repo.git('rev-parse', `${revs[0]}:deploy/production`));
    expect(await repo.git('rev-parse', 'HEAD:deploy/staging')).toBe(stagingBefore);
    expect(await repo.git('rev-parse', 'HEAD:clusters')).toBe(sourcesBefore);
    expect(await repo.git('status', '--porcelain')).toBe('');
    expect(readFileSync(join(repo.dir, 'deploy/production/shop/configmap-b.yaml'), 'utf8')).toContain('v: "1"');

    const message = await repo.git('log', '-1', '--format=%B');
    expect(message).toMatch(/^Roll back production to [0-9a-f]{12}: checkout errors after c v3/);
    expect(message).toContain(`Strata-Rollback-To: ${revs[0]}`);
    expect(message).toContain('Reason: checkout errors after c v3');

    const history = await readHistory({ dir: repo.dir, cluster: 'production' });
    expect(history.revisions).toHaveLength(4);
    expect(history.revisions[0]?.rollbackTo).toBe(revs[0]);
    expect(history.revisions.slice(1).map((r) => r.commit)).toEqual([revs[2], revs[1], revs[0]]);

    // Rolling back to where it already is changes nothing.
    const again = await rollback({ dir: repo.dir, cluster: 'production', to: revs[0] });
    expect(again.outcome).toBe('unchanged');
    expect(await repo.git('rev-parse', 'HEAD')).toBe(result.commit);
  });

  it('defaults to the revision before the newest', async () => {
    const { repo, revs } = await threeRevisions();
    const result = await rollback({ dir: repo.dir, cluster: 'production' });
    expect(result.to).toBe(revs[1]);
    expect(await repo.git('rev-parse', 'HEAD:deploy/production')).toBe(await repo.git('rev-parse', `${revs[1]}:deploy/production`));
  });

  it('refuses a dirty work tree, naming the files, and changes nothing', async () => {
    const { repo, revs } = await threeRevisions();
    repo.write('clusters/production/index.ts', '// edited\n');
    const head = await repo.git('rev-parse', 'HEAD');
    const error = await rollback({ dir: repo.dir, cluster: 'production', to: revs[0] }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DirtyWorkTreeError);
    expect((error as Error).message).toContain('clusters/production/index.ts');
    expect(await repo.git('rev-parse', 'HEAD')).toBe(head);
  });

  it('refuses a revision that is not in the history of HEAD', async () => {
    const { repo, revs } = await threeRevisions();
    await repo.git('checkout', '--quiet', '-b', 'side', revs[0] ?? '');
    repo.write('side.txt', 'x\n');
    const side = await repo.commit('side');
    await repo.git('checkout', '--quiet', 'main');
    await expect(rollback({ dir: repo.dir, cluster: 'production', to: side })).rejects.toBeInstanceOf(RevisionNotFoundError);
    await expect(rollback({ dir: repo.dir, cluster: 'production', to: '--upload-pack=touch /tmp/x' })).rejects.toBeInstanceOf(RevisionNotFoundError);
    await expect(rollback({ dir: repo.dir, cluster: 'production', to: 'nope' })).rejects.toThrow(/revision "nope": no such commit/);
  });

  it('pushes when asked, and refuses clearly when the remote moved meanwhile', async () => {
    const { repo, revs } = await threeRevisions();
    const remote = await tempRepo({ bare: true });
    repos.push(remote);
    await repo.git('remote', 'add', 'origin', remote.dir);
    await repo.git('push', '--quiet', 'origin', 'main');
    const pushed = await rollback({ dir: repo.dir, cluster: 'production', to: revs[1], push: true, reason: 'bad b removal' });
    expect(pushed.outcome).toBe('pushed');
    expect(await remote.git('rev-parse', 'main')).toBe(pushed.commit);

    // Someone else pushes; this clone does not fetch, then rolls back further.
    const other = await tempRepo();
    repos.push(other);
    await other.git('remote', 'add', 'origin', remote.dir);
    await other.git('pull', '--quiet', 'origin', 'main');
    other.write('README.md', 'theirs\n');
    await other.commit('Their change');
    await other.git('push', '--quiet', 'origin', 'HEAD:main');
    const error = await rollback({ dir: repo.dir, cluster: 'production', to: revs[0], push: true }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RollbackConflictError);
    expect((error as Error).message).toMatch(/has commits this clone does not have.*git pull --rebase origin main/s);
  });
});
