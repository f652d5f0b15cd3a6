// The controllers' list-watch loop against the real kube-apiserver, over ConfigMaps (and
// PodTemplates for the 410): a watch cut by the network or expired (410 Gone, from a real etcd
// compaction) ends in a relist, and what was deleted meanwhile is forgotten; a collection whose
// CRD is missing is reported once.
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KubeConfig } from '@kubernetes/client-node';
import { pino, type Logger } from 'pino';
import { compactEtcd, createTestNamespace, eventually, type TestNamespace } from '../cluster/index.ts';
import { testEtcdUrl, testKubeConfig } from '../cluster/context.ts';
import { startApiProxy } from '../cluster/proxy.ts';
import { AgentApi } from '../../src/kube/agent-api.ts';
import type { ResourceInfo } from '../../src/kube/client.ts';
import { Informer, type InformedObject, type InformerEventType } from '../../src/kube/informer.ts';

/** Put in every namespace by the API server; the tests look past it. */
const ROOT_CA = 'kube-root-ca.crt';
const CONFIG_MAPS: ResourceInfo = { group: '', version: 'v1', kind: 'ConfigMap', resource: 'configmaps', namespaced: true };
/** Not in the test API server's watch cache (see test/cluster/cluster.ts), so compacting etcd expires old versions at once. */
const POD_TEMPLATES: ResourceInfo = { group: '', version: 'v1', kind: 'PodTemplate', resource: 'podtemplates', namespaced: true };

/** What a controller would hold: the objects by key, forgetting on DELETED and on a list without them. */
class Recorder {
  readonly known = new Map<string, InformedObject>();
  readonly lists: string[][] = [];
  readonly events: { type: InformerEventType; key: string }[] = [];
  onEvent = (type: InformerEventType, object: InformedObject): void => {
    const key = `${object.metadata.namespace}/${object.metadata.name}`;
    if (object.metadata.name === ROOT_CA) return;
    this.events.push({ type, key });
    if (type === 'DELETED') this.known.delete(key);
    else this.known.set(key, object);
  };
  onList = (seen: ReadonlySet<string>): void => {
    this.lists.push([...seen].filter((key) => !key.endsWith(`/${ROOT_CA}`)).sort());
    for (const key of [...this.known.keys()]) if (!seen.has(key)) this.known.delete(key);
  };
  names(): string[] {
    return [...this.known.keys()].map((key) => key.split('/')[1] ?? '').sort();
  }
}

function capturingLogger(): { log: Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n')) if (line.trim() !== '') lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  return { log: pino({ level: 'debug' }, stream), lines };
}

let kc: KubeConfig;
let api: AgentApi;
let ns: TestNamespace;
const stops: (() => Promise<void>)[] = [];

beforeAll(async () => {
  kc = testKubeConfig();
  api = new AgentApi(kc);
  ns = await createTestNamespace(kc, 'informer');
}, 60_000);

afterAll(async () => {
  for (const stop of stops.reverse()) await stop().catch(() => undefined);
  await api?.close();
  await ns?.delete();
});

async function createConfigMap(name: string): Promise<void> {
  await api.request('POST', `/api/v1/namespaces/${ns.name}/configmaps`, { metadata: { name }, data: { key: name } });
}

async function deleteConfigMap(name: string): Promise<void> {
  await api.request('DELETE', `/api/v1/namespaces/${ns.name}/configmaps/${name}`);
}

/** Runs an informer until the test ends. */
function run<T extends InformedObject>(informer: Informer<T>): void {
  const abort = new AbortController();
  const running = informer.run(abort.signal);
  stops.push(async () => {
    abort.abort();
    await running;
  });
}

describe('Informer', () => {
  it('lists, then watches: every listed object as ADDED, later changes as they come', async () => {
    await createConfigMap('first');
    const recorder = new Recorder();
    const { log } = capturingLogger();
    const informer = new Informer({ api, resource: CONFIG_MAPS, namespace: ns.name, log, label: 'ConfigMaps', onEvent: recorder.onEvent, onList: recorder.onList });
    expect(informer.hasSynced).toBe(false);
    const synced = informer.waitForSync();
    run(informer);
    await synced;
    expect(informer.hasSynced).toBe(true);
    expect(recorder.names()).toContain('first');
    expect(recorder.events).toContainEqual({ type: 'ADDED', key: `${ns.name}/first` });
    expect(recorder.known.get(`${ns.name}/first`)).toMatchObject({ apiVersion: 'v1', kind: 'ConfigMap' });

    await createConfigMap('second');
    await api.mergePatch(`/api/v1/namespaces/${ns.name}/configmaps/first`, { data: { key: 'changed' } });
    await deleteConfigMap('second');
    await eventually(async () => recorder.events.some((event) => event.type === 'DELETED' && event.key === `${ns.name}/second`), { what: 'DELETED second' });
    expect(recorder.events).toContainEqual({ type: 'MODIFIED', key: `${ns.name}/first` });
    expect(recorder.lists).toHaveLength(1);
    await deleteConfigMap('first');
  });

  it('relists after the connection is cut, and forgets what was deleted meanwhile', async () => {
    const proxy = await startApiProxy(kc);
    stops.push(proxy.close);
    const proxiedApi = new AgentApi(proxy.kubeConfig);
    stops.push(() => proxiedApi.close());

    await createConfigMap('stays');
    await createConfigMap('goes');
    const recorder = new Recorder();
    const { log, lines } = capturingLogger();
    const informer = new Informer({ api: proxiedApi, resource: CONFIG_MAPS, namespace: ns.name, log, label: 'ConfigMaps', onEvent: recorder.onEvent, onList: recorder.onList });
    run(informer);
    await informer.waitForSync();
    expect(recorder.names()).toEqual(['goes', 'stays']);

    proxy.down();
    // Changes the informer cannot see: it must learn of them from the next list, not from events.
    await deleteConfigMap('goes');
    await createConfigMap('came');
    await eventually(async () => lines.some((line) => line.event === 'watch-error'), { what: 'a failed watch or list while the proxy is down' });
    const eventsWhileDown = recorder.events.length;
    proxy.up();

    await eventually(async () => recorder.lists.length >= 2, { what: 'a relist', timeoutMs: 20_000 });
    expect(recorder.lists.at(-1)).toEqual([`${ns.name}/came`, `${ns.name}/stays`]);
    expect(recorder.names()).toEqual(['came', 'stays']);
    // 'goes' went by the list, not by an event it could not have had.
    expect(recorder.events.slice(eventsWhileDown).some((event) => event.type === 'DELETED')).toBe(false);
    const warning = lines.find((line) => line.event === 'watch-error');
    expect(warning).toMatchObject({ level: 40, msg: 'watch on ConfigMaps failed; retrying' });

    // And it watches again from the new list.
    await createConfigMap('after');
    await eventually(async () => recorder.known.has(`${ns.name}/after`), { what: 'the watch after the relist' });
    for (const name of ['stays', 'came', 'after']) await deleteConfigMap(name);
  }, 60_000);

  it('relists when the watch is refused as expired (410 Gone), and forgets what was deleted meanwhile', async () => {
    // A real 410: the informer's first list is held back (a slow list, as on a big cluster) while
    // the object is deleted and etcd is compacted past the list's resourceVersion, so the watch
    // from it is too old. PodTemplates, because the test cluster keeps them out of the API
    // server's watch cache, which would otherwise still serve the old version from memory.
    const etcd = testEtcdUrl();
    const path = `/api/v1/namespaces/${ns.name}/podtemplates`;
    const template = (name: string): object => ({ metadata: { name }, template: { spec: { containers: [{ name: 'app', image: 'strata.test/app' }] } } });
    await api.request('POST', path, template('expired'));
    let gets = 0;
    let watches = 0;
    const watchErrors: unknown[] = [];
    let listRead: (resourceVersion: string) => void = () => undefined;
    const firstListRead = new Promise<string>((resolve) => (listRead = resolve));
    let release: () => void = () => undefined;
    const released = new Promise<void>((resolve) => (release = resolve));
    const slowListApi: Pick<AgentApi, 'get' | 'watch'> = {
      get: async <T,>(path: string, signal?: AbortSignal): Promise<T> => {
        gets += 1;
        const list = await api.get<T>(path, signal);
        if (gets === 1) {
          listRead((list as { metadata: { resourceVersion: string } }).metadata.resourceVersion);
          await released;
        }
        return list;
      },
      watch: async (resource, namespace, resourceVersion, onEvent, signal) => {
        watches += 1;
        try {
          await api.watch(resource, namespace, resourceVersion, onEvent, signal);
        } catch (error) {
          watchErrors.push(error);
          throw error;
        }
      },
    };
    const recorder = new Recorder();
    const { log, lines } = capturingLogger();
    const informer = new Informer({ api: slowListApi, resource: POD_TEMPLATES, namespace: ns.name, log, label: 'PodTemplates', onEvent: recorder.onEvent, onList: recorder.onList });
    run(informer);
    const listedAt = Number(await firstListRead);
    await api.request('DELETE', `${path}/expired`);
    // One more write: compacted only up to the deletion itself, etcd would still start the watch
    // (at the deletion) but without the deleted value, and the API server answers 500, not 410.
    await createConfigMap('advance');
    const compactedTo = await compactEtcd(etcd);
    expect(compactedTo).toBeGreaterThan(listedAt + 1);
    release();

    await informer.waitForSync();
    await eventually(async () => recorder.lists.length >= 2, { what: 'a relist after 410', timeoutMs: 20_000 });
    // The API server's own answer: a watch ERROR event with code 410, reason Expired.
    expect(watchErrors).toHaveLength(1);
    expect(watchErrors[0]).toMatchObject({ status: 410, reason: 'Expired' });
    expect(lines.filter((line) => line.event === 'watch-error').map((line) => line.err)).toEqual([
      expect.stringMatching(/too old/),
    ]);
    expect(recorder.lists[0]).toEqual([`${ns.name}/expired`]);
    expect(recorder.lists[1]).toEqual([]);
    expect(recorder.names()).toEqual([]);
    // Had the watch from the list's version been served, it would have told of the deletion.
    expect(recorder.events.filter((event) => event.type === 'DELETED')).toEqual([]);

    await api.request('POST', path, template('later'));
    await eventually(async () => recorder.known.has(`${ns.name}/later`), { what: 'the watch after the relist' });
    expect(watches).toBe(2);
    expect(gets).toBe(2);
    await api.request('DELETE', `${path}/later`);
    await deleteConfigMap('advance');
  }, 30_000);

  it('reports a missing CRD once, quietly, and keeps looking', async () => {
    const absent: ResourceInfo = { group: 'absent.strata.dev', version: 'v1', kind: 'Widget', resource: 'widgets', namespaced: true };
    let reports = 0;
    const { log, lines } = capturingLogger();
    const informer = new Informer({
      api: {
        get: (path, signal) => {
          gets += 1;
          return api.get(path, signal);
        },
        watch: (...args) => api.watch(...args),
      },
      resource: absent,
      namespace: ns.name,
      log,
      label: 'Widgets',
      onEvent: () => undefined,
      onList: () => undefined,
      onMissing: () => {
        reports += 1;
      },
      missingRetryMs: 50,
    });
    let gets = 0;
    run(informer);
    await eventually(async () => gets >= 5, { what: 'five lists of the missing collection' });
    expect(reports).toBe(1);
    expect(informer.hasSynced).toBe(false);
    expect(lines.filter((line) => line.event === 'watch-error')).toEqual([]);
  });

  it('without onMissing, a 404 is a failure like any other: warned and retried with backoff', async () => {
    const absent: ResourceInfo = { group: 'absent.strata.dev', version: 'v1', kind: 'Widget', resource: 'widgets', namespaced: true };
    const { log, lines } = capturingLogger();
    const informer = new Informer({ api, resource: absent, namespace: ns.name, log, label: 'Widgets', onEvent: () => undefined, onList: () => undefined });
    run(informer);
    await eventually(async () => lines.filter((line) => line.event === 'watch-error').length >= 2, { what: 'two warnings' });
    const [first, second] = lines.filter((line) => line.event === 'watch-error');
    // 500 ms, then 1 s: the second warning comes no sooner than the first backoff.
    expect(Number(second?.time) - Number(first?.time)).toBeGreaterThanOrEqual(450);
  });
});
