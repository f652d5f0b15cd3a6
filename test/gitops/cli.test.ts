// `strata history`, `strata rollback` and `strata bootstrap` through the real binary: output,
// stderr and exit codes on a real repository.
import { afterEach, describe, expect, it } from 'vitest';
import { strata } from '../cli/_run.ts';
import { configMap, tempRepo, type TempRepo } from './_repo.ts';

const repos: TempRepo[] = [];
afterEach(() => {
  for (const repo of repos.splice(0)) repo.dispose();
});

async function twoRevisions(): Promise<{ repo: TempRepo; r1: string; r2: string }> {
  const repo = await tempRepo();
  repos.push(repo);
  repo.writeOutput('production', [configMap('shop', 'a', { v: '1' })]);
  const r1 = await repo.commit('deploy: compile 1111111\n\nSource-Commit: 1111111111111111111111111111111111111111\n');
  repo.writeOutput('production', [configMap('shop', 'a', { v: '2' }), configMap('shop', 'b', { v: '1' })]);
  const r2 = await repo.commit('deploy: compile 2222222\n\nSource-Commit: 2222222222222222222222222222222222222222\n');
  return { repo, r1, r2 };
}

describe('strata history / rollback / bootstrap (binary)', () => {
  it('prints the history as text and JSON, then rolls back and shows the rollback on top', async () => {
    const { repo, r1, r2 } = await twoRevisions();
    const text = strata(['history', 'production', '-C', repo.dir]);
    expect(text.status).toBe(0);
    expect(text.stdout).toContain(`revision ${r2.slice(0, 12)}\nAuthor:  Alice Author <alice@strata.invalid>`);
    expect(text.stdout).toContain('Source:  222222222222\nObjects: 1 added, 1 changed');
    expect(text.stdout).toContain('  ~ ConfigMap/shop/a\n  + ConfigMap/shop/b');

    const rolled = strata(['rollback', 'production', '-C', repo.dir, '--to', r1, '--reason', 'b breaks checkout']);
    expect(rolled.stderr).toBe('');
    expect(rolled.status).toBe(0);
    expect(rolled.stdout).toMatch(new RegExp(`^Rolled back production to ${r1.slice(0, 12)} in [0-9a-f]{12} \\(not pushed: use --push\\): 1 revision\\(s\\) undone, 1 changed, 1 removed\n  undone ${r2.slice(0, 12)} deploy: compile 2222222\n$`));

    const json = JSON.parse(strata(['history', 'production', '-C', repo.dir, '-o', 'json']).stdout) as { revisions: { commit: string; rollbackTo?: string }[] };
    expect(json.revisions.map((r) => r.commit).slice(1)).toEqual([r2, r1]);
    expect(json.revisions[0]?.rollbackTo).toBe(r1);
    expect(strata(['rollback', 'production', '-C', repo.dir, '--to', r1]).stdout).toContain('nothing to roll back');
  }, 180_000);

  it('exits 2 with a clear message on a dirty work tree, an unknown revision, and a bootstrap with a wrong context', async () => {
    const { repo } = await twoRevisions();
    repo.write('deploy/production/shop/configmap-a.yaml', 'edited\n');
    const dirty = strata(['rollback', 'production', '-C', repo.dir]);
    expect(dirty.status).toBe(2);
    expect(dirty.stderr).toMatch(/^Error: DirtyWorkTreeError: the work tree of .* has uncommitted changes \(deploy\/production\/shop\/configmap-a\.yaml\): commit or stash them first\n$/);
    await repo.git('checkout', '--', '.');
    const unknown = strata(['rollback', 'production', '-C', repo.dir, '--to', 'v9.9.9']);
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toContain('RevisionNotFoundError: revision "v9.9.9": no such commit');

    repo.write('kubeconfig', 'apiVersion: v1\nkind: Config\nclusters: [{name: c, cluster: {server: "https://127.0.0.1:1"}}]\nusers: [{name: u, user: {token: t}}]\ncontexts: [{name: prod, context: {cluster: c, user: u}}]\ncurrent-context: prod\n');
    const wrong = strata(['bootstrap', '--repo', 'https://git.example.com/infra.git', '--cluster', 'production', '--kubeconfig', `${repo.dir}/kubeconfig`, '--context', 'staging']);
    expect(wrong.status).toBe(2);
    expect(wrong.stderr).toContain('BootstrapError: bootstrap of production failed at context: context "staging" is not in the kubeconfig (contexts: prod)');
    const unreachable = strata(['bootstrap', '--repo', 'https://git.example.com/infra.git', '--cluster', 'production', '--kubeconfig', `${repo.dir}/kubeconfig`]);
    expect(unreachable.status).toBe(2);
    expect(unreachable.stderr).toMatch(/failed at context: the API server https:\/\/127\.0\.0\.1:1 does not answer/);
  }, 180_000);
});
