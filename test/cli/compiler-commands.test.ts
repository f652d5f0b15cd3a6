import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FixtureProject, clusterModule, sampleObjects } from '../compiler/_project.ts';
import { strata } from './_run.ts';
import { testKeys } from '../git/_signing.ts';
import { verifyCommitSignature } from '../../src/git/index.ts';

// One fixture project for the whole file: a dev and a prod cluster of the same app,
// prod in another namespace with more replicas.
let fixture: FixtureProject;
beforeAll(() => {
  fixture = new FixtureProject({
    dev: clusterModule('dev', sampleObjects('dev')),
    prod: clusterModule('prod', sampleObjects('prod', { replicas: 5, namespace: 'shop-prod' })),
  });
});
afterAll(() => fixture.remove());

function git(...args: string[]): string {
  const result = spawnSync('git', ['-c', 'user.name=Test', '-c', 'user.email=test@example.com', ...args], { cwd: fixture.root, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`git ${args.join(' ')}: ${result.stderr}`);
  return result.stdout.trim();
}

describe('strata synth, check, validate, commit, parity (the real binary)', () => {
  it('synth writes deploy/ and check passes on it', () => {
    const synth = strata(['synth', '--root', fixture.root]);
    expect(synth.stderr).toBe('');
    expect(synth.status).toBe(0);
    expect(synth.stdout).toMatch(/dev: 4 objects → .*deploy\/dev: 5 written, 0 removed/);
    const check = strata(['check', '--root', fixture.root]);
    expect(check.stdout).toBe('dev: up to date\nprod: up to date\n');
    expect(check.status).toBe(0);
  }, 300_000);

  it('check fails with a unified diff when a committed file was edited by hand', () => {
    strata(['synth', '--root', fixture.root]);
    const file = fixture.path('deploy', 'dev', 'shop', 'deployment-api.yaml');
    writeFileSync(file, strataText(file).replace('replicas: 2', 'replicas: 9'));
    const check = strata(['check', '--root', fixture.root]);
    expect(check.status).toBe(1);
    expect(check.stdout).toContain('dev: 1 file stale');
    expect(check.stdout).toContain('--- a/deploy/dev/shop/deployment-api.yaml');
    expect(check.stdout).toContain('+++ b/deploy/dev/shop/deployment-api.yaml');
    expect(check.stdout).toContain('-  replicas: 9\n+  replicas: 2');
    expect(check.stderr).toBe('deploy/ or charts/renders/ is stale: run `strata synth` and commit the result\n');
    const json = strata(['check', '--root', fixture.root, '-o', 'json']);
    expect(JSON.parse(json.stdout)).toMatchObject({ upToDate: false, clusters: [{ cluster: 'dev', differences: [{ file: 'dev/shop/deployment-api.yaml', change: 'modified' }] }, { cluster: 'prod', upToDate: true }] });
    strata(['synth', '--root', fixture.root]);
  }, 300_000);

  it('validate passes on valid objects and fails on replicas: "two", naming file, object, path and construct', () => {
    expect(strata(['validate', '--root', fixture.root])).toMatchObject({ status: 0, stdout: '8 objects valid\n' });
    fixture.setCluster('dev', clusterModule('dev', sampleObjects('dev', { replicas: 'two' })));
    const result = strata(['validate', '--root', fixture.root, 'dev']);
    expect(result.status).toBe(1);
    expect(result.stdout).toContain('invalid deploy/dev/shop/deployment-api.yaml: Deployment/shop/api: spec.replicas: must be integer (construct dev/apps/api/Deployment)');
    expect(result.stderr).toBe('1 problem in 4 objects\n');
    const json = JSON.parse(strata(['validate', '--root', fixture.root, 'dev', '-o', 'json']).stdout) as { problems: unknown[] };
    expect(json.problems).toEqual([{ file: 'deploy/dev/shop/deployment-api.yaml', object: 'Deployment/shop/api', path: 'spec.replicas', message: 'must be integer', construct: 'dev/apps/api/Deployment' }]);
    fixture.setCluster('dev', clusterModule('dev', sampleObjects('dev')));
  }, 300_000);

  it('commit commits deploy/ with the source commit and a summary, and makes no empty commit', () => {
    git('init', '--quiet', '--initial-branch=main');
    git('add', 'clusters');
    git('commit', '--quiet', '-m', 'sources');
    const source = git('rev-parse', 'HEAD');
    const env = { GIT_AUTHOR_NAME: 'CI', GIT_AUTHOR_EMAIL: 'ci@example.com', GIT_COMMITTER_NAME: 'CI', GIT_COMMITTER_EMAIL: 'ci@example.com' };
    const first = strata(['commit', '--root', fixture.root], { env });
    expect(first.status).toBe(0);
    const message = git('log', '-1', '--format=%B');
    expect(message).toContain(`deploy: compile ${source.slice(0, 12)}`);
    expect(message).toContain(`Source-Commit: ${source}`);
    expect(message).toContain('dev: 4 added, 0 changed, 0 removed\n  + _cluster/namespace-shop.yaml');
    const head = git('rev-parse', 'HEAD');
    const second = strata(['commit', '--root', fixture.root], { env });
    expect(second).toMatchObject({ status: 0, stdout: 'deploy/ is up to date: nothing to commit\n' });
    expect(git('rev-parse', 'HEAD')).toBe(head);
  }, 300_000);

  it("commit signs when git's configuration asks (commit.gpgsign), so the agent's spec.verify accepts it", async () => {
    const keys = testKeys();
    try {
      const ci = await keys.ssh('ci', 'ci@example.com');
      for (const [key, value] of Object.entries({ ...ci.sign.config, 'commit.gpgsign': 'true' })) git('config', key, value);
      fixture.setCluster('dev', clusterModule('dev', sampleObjects('dev', { replicas: 3 })));
      git('commit', '--quiet', '-am', 'three replicas');
      const env = { GIT_AUTHOR_NAME: 'CI', GIT_AUTHOR_EMAIL: 'ci@example.com', GIT_COMMITTER_NAME: 'CI', GIT_COMMITTER_EMAIL: 'ci@example.com' };
      expect(strata(['commit', '--root', fixture.root], { env }).status).toBe(0);
      const head = git('rev-parse', 'HEAD');
      const signature = await verifyCommitSignature({ gitDir: fixture.path('.git'), commit: head, signers: { allowedSigners: ci.allowedSigner ?? '' } });
      expect(signature).toEqual({ verified: true, commit: head, format: 'ssh', signer: `ci@example.com (SSH key ${ci.fingerprint})` });
    } finally {
      git('config', '--unset', 'commit.gpgsign');
      fixture.setCluster('dev', clusterModule('dev', sampleObjects('dev')));
      await keys.dispose();
    }
  }, 300_000);

  it('parity factors out the namespace and reports the rest, as text and as JSON', () => {
    const text = strata(['parity', 'dev', 'prod', '--root', fixture.root]);
    expect(text.status).toBe(1);
    expect(text.stdout).toContain('dev ↔ prod (factored out: namespaces shop → shop-prod; 1 renamed object)');
    expect(text.stdout).toContain('~ apps/api/Deployment  Deployment/shop/api ↔ Deployment/shop-prod/api\n    spec.replicas: 2 → 5');
    expect(text.stdout).toContain('3 identical, 1 differ, 0 only in dev, 0 only in prod');
    const json = JSON.parse(strata(['parity', 'dev', 'prod', '--root', fixture.root, '-o', 'json']).stdout) as Record<string, unknown>;
    expect(json).toMatchObject({ namespaces: { shop: 'shop-prod' }, identical: 3, changed: [{ id: 'apps/api/Deployment', differences: [{ path: 'spec.replicas', a: 2, b: 5 }] }], same: false });
  }, 300_000);

  it('every compiler command has --help with examples and exit codes', () => {
    for (const command of ['synth', 'validate', 'check', 'commit', 'parity']) {
      const help = strata([command, '--help']);
      expect(help.status, command).toBe(0);
      expect(help.stdout, command).toContain('Examples:');
      expect(help.stdout, command).toContain('Exit codes:');
    }
  }, 300_000);

  it('a compile error exits 2 and names the place', () => {
    fixture.setCluster('dev', clusterModule('dev', [...sampleObjects('dev'), { ...sampleObjects('dev')[2]!, source: 'dev/apps/api-again/Deployment' }]));
    const result = strata(['synth', '--root', fixture.root]);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('Deployment/shop/api is defined twice: at dev/apps/api/Deployment and at dev/apps/api-again/Deployment');
    fixture.setCluster('dev', clusterModule('dev', sampleObjects('dev')));
  }, 300_000);
});

function strataText(file: string): string {
  return spawnSync('cat', [file], { encoding: 'utf8' }).stdout;
}
