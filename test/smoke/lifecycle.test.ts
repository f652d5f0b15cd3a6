// The harness itself: clusters of their own (not the shared one), started in parallel without
// colliding, restarted (kube-apiserver alone keeps the data; a reset empties etcd), and
// stopped without leaving a process, a port or a file behind.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { createInterface } from 'node:readline';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { CoreV1Api } from '@kubernetes/client-node';
import { afterAll, describe, expect, it } from 'vitest';
import { startCluster, type TestCluster } from '../cluster/cluster.ts';
import { isListening } from '../cluster/ports.ts';
import { eventually } from '../cluster/eventually.ts';
import { FAKE_NODE_NAME } from '../cluster/kwok.ts';
import { toolPath } from '../cluster/tools.ts';

const started: TestCluster[] = [];
afterAll(async () => {
  await Promise.all(started.map((c) => c.stop()));
});

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

const portOf = (server: string): number => Number(new URL(server).port);

describe('cluster lifecycle', () => {
  it('starts two clusters in parallel, restarts, resets and stops cleanly', async () => {
    const [a, b] = await Promise.all([startCluster(), startCluster()]);
    started.push(a, b);
    expect(a.server).not.toBe(b.server);
    expect(a.dir).not.toBe(b.dir);

    const core = a.kubeConfig().makeApiClient(CoreV1Api);
    await core.createNamespace({ body: { metadata: { name: 'kept' } } });

    await a.restartApiServer({ crash: true });
    await expect(core.readNamespace({ name: 'kept' })).resolves.toMatchObject({ metadata: { name: 'kept' } });

    const kubeconfigBefore = a.kubeconfigPath;
    await a.resetCluster();
    expect(a.kubeconfigPath).toBe(kubeconfigBefore);
    const core2 = a.kubeConfig().makeApiClient(CoreV1Api);
    await expect(core2.readNamespace({ name: 'kept' })).rejects.toMatchObject({ code: 404 });
    await expect(core2.readNamespace({ name: 'default' })).resolves.toBeDefined();

    // kubectl from the same module talks to it through the kubeconfig, as alice too.
    const out = execFileSync(toolPath('kubectl'), ['--kubeconfig', a.kubeconfigPath, 'get', 'namespace', 'default', '-o', 'name'], {
      encoding: 'utf8',
    });
    expect(out.trim()).toBe('namespace/default');
    const can = spawnSync(
      toolPath('kubectl'),
      ['--kubeconfig', a.kubeconfigPath, '--context', 'alice', 'auth', 'can-i', 'create', 'deployments'],
      { encoding: 'utf8' },
    );
    expect(can.stdout.trim()).toBe('no');

    for (const cluster of [a, b]) {
      const pids = cluster.pids();
      expect(pids.length).toBeGreaterThanOrEqual(2);
      await cluster.stop();
      for (const pid of pids) expect(alive(pid)).toBe(false);
      expect(await isListening(portOf(cluster.server))).toBe(false);
      expect(existsSync(cluster.dir)).toBe(false);
    }
  }, 180_000);

  it('resets a cluster with workloads and stops it without leaving a process', async () => {
    const c = await startCluster({ workloads: true });
    started.push(c);
    await c.resetCluster();
    const node = await c.kubeConfig().makeApiClient(CoreV1Api).readNode({ name: FAKE_NODE_NAME });
    expect(node.status?.conditions?.find((cond) => cond.type === 'Ready')?.status).toBe('True');
    const pids = c.pids();
    expect(pids).toHaveLength(5);
    await c.stop();
    for (const pid of pids) expect(alive(pid)).toBe(false);
    expect(existsSync(c.dir)).toBe(false);
  }, 120_000);

  it('leaves no process behind when the test process is killed with SIGKILL', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', new URL('./fixtures/start-and-hang.ts', import.meta.url).pathname, '--workloads'], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const line = await new Promise<string>((resolve, reject) => {
      createInterface({ input: child.stdout }).once('line', resolve);
      child.once('exit', (code) => reject(new Error(`fixture exited with ${code}`)));
    });
    const { pids, dir } = JSON.parse(line) as { pids: number[]; dir: string };
    expect(pids).toHaveLength(5);
    expect(pids.every(alive)).toBe(true);
    child.kill('SIGKILL');
    await eventually(async () => pids.every((pid) => !alive(pid)) && !existsSync(dir), {
      timeoutMs: 15_000,
      what: 'watchdog killed the orphaned cluster',
    });
  }, 120_000);

  it('restarts kube-apiserver on its port once another process lets go of it', async () => {
    const c = await startCluster();
    started.push(c);
    await c.stopApiServer();
    const squatter = createServer();
    await new Promise<void>((resolve) => squatter.listen(portOf(c.server), '127.0.0.1', resolve));
    setTimeout(() => squatter.close(), 2000);
    await c.startApiServer();
    await expect(c.kubeConfig().makeApiClient(CoreV1Api).readNamespace({ name: 'default' })).resolves.toBeDefined();
    await c.stop();
  }, 120_000);
});
