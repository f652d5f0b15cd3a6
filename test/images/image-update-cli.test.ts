// The ImageUpdate commands of the real `strata` binary against the test kube-apiserver, with the
// agent running in-process (its ImageUpdate controller, the real Git server): get imageupdates
// (table, json, yaml, -A), imageupdate reconcile [--wait], suspend and resume (one run), and
// get imageupdates on a cluster of its own that has never had the CRD.
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCluster, type TestCluster } from '../cluster/index.ts';
import { testCluster } from '../cluster/context.ts';
import { ImageUpdateClient, imageUpdateReady } from '../../src/images/image-update-client.ts';
import { imageUpdatePath, type ImageUpdate, type ImageUpdateSpec } from '../../src/api/image-update.ts';
import { RECONCILE_REQUESTED_AT } from '../../src/api/sync.ts';
import { agent, namespace, repo, setupEnv, waitFor, type Env } from '../reconciler/_harness.ts';
import { strata } from '../agent/_agent-process.ts';

let env: Env;
let client: ImageUpdateClient;
beforeAll(async () => {
  env = await setupEnv();
  client = new ImageUpdateClient(env.kc);
  await client.installCrd();
});
afterAll(async () => {
  await env?.dispose();
});

describe('strata get imageupdates / strata imageupdate (the binary)', () => {
  it('lists ImageUpdates, runs one now (--wait: exit 0 Ready, 1 not Ready), suspends and resumes', async () => {
    const ns = await namespace(env, 'imageupdate-cli');
    const { url, secret } = await repo(env, ns, 'fleet');
    // No clusters/<env>/images.json: every run is UpToDate without a registry or a compile.
    const tip = await env.git.push('fleet', { files: { 'clusters/README.md': 'no environments yet\n' }, message: 'initial' });
    const create = (name: string, spec: ImageUpdateSpec) =>
      env.client.api.request('POST', imageUpdatePath(ns), { apiVersion: 'strata.dev/v1alpha1', kind: 'ImageUpdate', metadata: { name, namespace: ns }, spec });
    await create('fleet', { interval: '1h', git: { url, secretRef: { name: secret } } });
    await create('broken', { interval: '1h', git: { url, secretRef: { name: 'absent' } } });
    await create('paused', { interval: '1h', git: { url, secretRef: { name: secret } }, suspend: true });
    // The agent never runs a suspended object: its status is written here, as a past push would have left it.
    const pushed = 'a1b2c3d4e5f60718293a4b5c6d7e8f9012345678';
    const lastRun = Date.now() - 5 * 60_000 - 5_000;
    const fiveMinutesAgo = new Date(lastRun).toISOString();
    await env.client.api.mergePatch(`${imageUpdatePath(ns, 'paused')}/status`, {
      status: {
        conditions: [{ type: 'Ready', status: 'True', reason: 'Updated', message: 'pushed 1 image update', lastTransitionTime: fiveMinutesAgo }],
        lastPushedCommit: pushed,
        lastRunTime: fiveMinutesAgo,
      },
    });
    await agent(env, ns, { imageUpdates: { recompile: false } });
    const reported = (name: string) => waitFor(`${name} to report`, async () => {
      const update = await client.get(ns, name);
      return imageUpdateReady(update) !== undefined && update;
    }, 60_000);
    await Promise.all([reported('fleet'), reported('broken')]);

    const kube = ['--kubeconfig', testCluster().kubeconfigPath, '-n', ns];
    const listedFrom = Date.now();
    const [table, json, yaml, all, reconciled, failed, suspended, missing] = await Promise.all([
      strata(['get', 'imageupdates', ...kube]),
      strata(['get', 'imageupdate', ...kube, '-o', 'json']),
      strata(['get', 'imageupdates', ...kube, '-o', 'yaml']),
      strata(['get', 'imageupdates', '--kubeconfig', testCluster().kubeconfigPath, '-A']),
      strata(['imageupdate', 'reconcile', 'fleet', ...kube, '--wait', '--timeout', '60s']),
      // namespace/name instead of -n
      strata(['imageupdate', 'reconcile', `${ns}/broken`, '--kubeconfig', testCluster().kubeconfigPath, '--wait', '--timeout', '60s']),
      strata(['imageupdate', 'reconcile', 'paused', ...kube, '--wait']),
      strata(['imageupdate', 'reconcile', 'nope', ...kube]),
    ]);
    // The paused object's LAST RUN is its age when `get` ran, somewhere in this window (whole minutes).
    const minutesAt = (time: number) => Math.floor((time - lastRun) / 60_000);
    const pausedAges = Array.from({ length: minutesAt(Date.now()) - minutesAt(listedFrom) + 1 }, (_, i) => `${minutesAt(listedFrom) + i}m`);

    expect(table.code, table.stderr).toBe(0);
    const lines = table.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^NAMESPACE\s+NAME\s+READY\s+REASON\s+LAST PUSH\s+LAST RUN\s+MESSAGE$/);
    expect(lines.slice(1).map((line) => line.split(/\s+/)[1])).toEqual(['broken', 'fleet', 'paused']);
    expect(table.stdout).toMatch(new RegExp(`^${ns}\\s+broken\\s+False\\s+GitFailed\\s+\\d+s\\s+Secret ${ns}/absent: not found$`, 'm'));
    expect(table.stdout).toMatch(new RegExp(`^${ns}\\s+fleet\\s+True\\s+UpToDate\\s+\\d+s\\s+every image is at its policy's pick \\(`, 'm'));
    // MESSAGE is the first line, cut at 80 characters as in `get syncs`; the whole of it is in -o json.
    expect(table.stdout).toMatch(new RegExp(`^${ns}\\s+paused\\s+True \\(suspended\\)\\s+Updated\\s+a1b2c3d\\s+(?:${pausedAges.join('|')})\\s+pushed 1 image update$`, 'm'));

    const listed = JSON.parse(json.stdout) as { kind: string; items: ImageUpdate[] };
    expect(listed.kind).toBe('List');
    expect(listed.items.map((item) => [item.kind, item.metadata.name])).toEqual([['ImageUpdate', 'broken'], ['ImageUpdate', 'fleet'], ['ImageUpdate', 'paused']]);
    expect(listed.items[2]?.status?.lastPushedCommit).toBe(pushed);
    expect(imageUpdateReady(listed.items[1] as ImageUpdate)?.message).toContain(tip.slice(0, 7));
    expect((parse(yaml.stdout) as { items: ImageUpdate[] }).items.map((item) => item.metadata.name)).toEqual(['broken', 'fleet', 'paused']);
    expect(all.code).toBe(0);
    expect(all.stdout).toMatch(new RegExp(`^${ns}\\s+fleet\\s+True`, 'm'));

    // --wait returns once the agent echoed this request in status.lastHandledReconcileAt.
    expect(reconciled.code, reconciled.stderr).toBe(0);
    expect(reconciled.stderr).toContain(`► run of ImageUpdate ${ns}/fleet requested`);
    expect(reconciled.stdout).toMatch(/^✔ UpToDate: every image is at its policy's pick/);
    const fleet = await client.get(ns, 'fleet');
    expect(fleet.metadata.annotations?.[RECONCILE_REQUESTED_AT]).toBeDefined();
    expect(fleet.status?.lastHandledReconcileAt).toBe(fleet.metadata.annotations?.[RECONCILE_REQUESTED_AT]);

    expect(failed.code, failed.stderr).toBe(1);
    expect(failed.stderr).toContain(`Error: ImageUpdate ${ns}/broken is not Ready: GitFailed: Secret ${ns}/absent: not found`);
    const broken = await client.get(ns, 'broken');
    expect(broken.status?.lastHandledReconcileAt).toBe(broken.metadata.annotations?.[RECONCILE_REQUESTED_AT]);

    // A suspended object would never answer: refused at once, not annotated.
    expect(suspended.code).toBe(2);
    expect(suspended.stderr).toContain(`ImageUpdate ${ns}/paused is suspended: resume it to run it`);
    expect((await client.get(ns, 'paused')).metadata.annotations?.[RECONCILE_REQUESTED_AT]).toBeUndefined();
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain(`ImageUpdate ${ns}/nope not found`);

    // suspend, then resume: resume asks for a run, which the agent handles.
    const suspend = await strata(['imageupdate', 'suspend', 'fleet', ...kube]);
    expect(suspend.code, suspend.stderr).toBe(0);
    expect(suspend.stdout).toBe(`✔ ImageUpdate ${ns}/fleet suspended\n`);
    expect((await client.get(ns, 'fleet')).spec.suspend).toBe(true);
    const runsBefore = (await client.get(ns, 'fleet')).status?.lastRunTime;
    const resume = await strata(['imageupdate', 'resume', 'fleet', ...kube]);
    expect(resume.code, resume.stderr).toBe(0);
    expect(resume.stdout).toBe(`✔ ImageUpdate ${ns}/fleet resumed\n`);
    const resumed = await client.get(ns, 'fleet');
    expect(resumed.spec.suspend).toBe(false);
    const requestedAt = resumed.metadata.annotations?.[RECONCILE_REQUESTED_AT];
    expect(requestedAt).not.toBe(fleet.metadata.annotations?.[RECONCILE_REQUESTED_AT]);
    const after = await client.waitForRun(ns, 'fleet', { requestedAt, timeoutMs: 60_000 });
    expect(imageUpdateReady(after)).toMatchObject({ status: 'True', reason: 'UpToDate' });
    expect(after.status?.lastRunTime).not.toBe(runsBefore);

    // Alone (not beside other commands): how long a run takes through the binary, process start included.
    const started = Date.now();
    const alone = await strata(['imageupdate', 'reconcile', 'fleet', ...kube, '--wait', '--timeout', '60s']);
    expect(alone.code, alone.stderr).toBe(0);
    console.log(`strata imageupdate reconcile --wait (UpToDate run, clone reused): ${Date.now() - started} ms`);

    // Without --wait: the request is made and the command returns.
    const quick = await strata(['imageupdate', 'reconcile', 'fleet', ...kube]);
    expect(quick.code, quick.stderr).toBe(0);
    expect(quick.stdout).toBe('');
    expect((await client.get(ns, 'fleet')).metadata.annotations?.[RECONCILE_REQUESTED_AT]).not.toBe(requestedAt);
  }, 180_000);

  it('suspend and resume of a missing ImageUpdate name it, a bad --timeout names the flag (exit 2)', async () => {
    const ns = await namespace(env, 'imageupdate-cli-missing');
    const kube = ['--kubeconfig', testCluster().kubeconfigPath, '-n', ns];
    const [suspend, resume, empty, badTimeout, badSyncTimeout] = await Promise.all([
      strata(['imageupdate', 'suspend', 'ghost', ...kube]),
      strata(['imageupdate', 'resume', 'ghost', ...kube]),
      strata(['get', 'imageupdates', ...kube]),
      strata(['imageupdate', 'reconcile', 'ghost', ...kube, '--wait', '--timeout', 'soon']),
      strata(['reconcile', 'ghost', ...kube, '--wait', '--timeout', 'soon']),
    ]);
    // Both reconcile commands check the flag before asking for anything.
    for (const result of [badTimeout, badSyncTimeout]) {
      expect(result.code).toBe(2);
      expect(result.stderr).toBe('Error: --timeout: invalid duration "soon": use Go syntax such as 30s, 5m or 1h30m\n');
    }
    expect(suspend.code).toBe(2);
    expect(suspend.stderr).toContain(`ImageUpdateNotFoundError: ImageUpdate ${ns}/ghost not found`);
    expect(resume.code).toBe(2);
    expect(resume.stderr).toContain(`ImageUpdate ${ns}/ghost not found`);
    expect(empty.code).toBe(0);
    expect(empty.stdout).toBe('No ImageUpdates found.\n');
  }, 60_000);
  it('resume asks for exactly one run: strata_image_update_runs_total goes up by 1', async () => {
    const ns = await namespace(env, 'imageupdate-cli-resume');
    const { url, secret } = await repo(env, ns, 'resumed');
    await env.git.push('resumed', { files: { 'clusters/README.md': 'no environments yet\n' }, message: 'initial' });
    await env.client.api.request('POST', imageUpdatePath(ns), {
      apiVersion: 'strata.dev/v1alpha1',
      kind: 'ImageUpdate',
      metadata: { name: 'once', namespace: ns },
      spec: { interval: '1h', git: { url, secretRef: { name: secret } } },
    });
    const handle = await agent(env, ns, { imageUpdates: { recompile: false } });
    // Read from the agent's real /metrics endpoint, summed over the reasons.
    const runs = async (): Promise<number> => {
      const text = await (await fetch(`${handle.url}/metrics`)).text();
      const labels = `namespace="${ns}",name="once"`;
      return text
        .split('\n')
        .filter((line) => line.startsWith('strata_image_update_runs_total{') && line.includes(labels))
        .reduce((sum, line) => sum + Number(line.slice(line.lastIndexOf(' ') + 1)), 0);
    };
    await waitFor('the first run', async () => (await runs()) === 1, 60_000);
    const kube = ['--kubeconfig', testCluster().kubeconfigPath, '-n', ns];
    const suspend = await strata(['imageupdate', 'suspend', 'once', ...kube]);
    expect(suspend.code, suspend.stderr).toBe(0);

    const resume = await strata(['imageupdate', 'resume', 'once', ...kube]);
    expect(resume.code, resume.stderr).toBe(0);
    const requestedAt = (await client.get(ns, 'once')).metadata.annotations?.[RECONCILE_REQUESTED_AT];
    expect(requestedAt).toBeDefined();
    const started = Date.now();
    await client.waitForRun(ns, 'once', { requestedAt, timeoutMs: 60_000 });
    const runMs = Date.now() - started;
    // The spec change and the request, sent apart, would each start a run, the second right
    // after the first; wait several times as long as the run took (at least 3 s) for one.
    await new Promise((resolve) => setTimeout(resolve, Math.max(3_000, 5 * runMs)));
    expect(await runs()).toBe(2);
  }, 120_000);
});

describe('strata get imageupdates on a cluster without the ImageUpdate CRD (the binary)', () => {
  // A cluster of its own: the shared one gets the CRD from any test that installs it.
  let bare: TestCluster;
  beforeAll(async () => {
    bare = await startCluster();
  }, 120_000);
  afterAll(async () => {
    await bare?.stop();
  });

  it('says the CRD is not installed and how it gets there (exit 2), for one namespace and for all; once installed, lists', async () => {
    const [one, all, json] = await Promise.all([
      strata(['get', 'imageupdates', '--kubeconfig', bare.kubeconfigPath, '-n', 'default']),
      strata(['get', 'imageupdates', '--kubeconfig', bare.kubeconfigPath, '-A']),
      strata(['get', 'imageupdates', '--kubeconfig', bare.kubeconfigPath, '-n', 'default', '-o', 'json']),
    ]);
    for (const result of [one, all, json]) {
      expect(result.code, result.stderr).toBe(2);
      expect(result.stdout).toBe('');
      expect(result.stderr).toContain('the imageupdates.strata.dev CRD is not installed in this cluster (the StrataAgent construct installs it)');
    }
    // And with the CRD installed, the same command on the same cluster lists nothing: it was the CRD.
    const bareClient = new ImageUpdateClient(bare.kubeConfig());
    await bareClient.installCrd();
    await bareClient.api.close();
    const after = await strata(['get', 'imageupdates', '--kubeconfig', bare.kubeconfigPath, '-n', 'default']);
    expect(after.code, after.stderr).toBe(0);
    expect(after.stdout).toBe('No ImageUpdates found.\n');
  }, 60_000);
});
