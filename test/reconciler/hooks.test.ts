// Hooks against the real kube-apiserver, kube-controller-manager (the Job controller) and kwok
// (which completes Job pods, and fails those marked strata.dev/fake-pod: fail).
import { Watch } from '@kubernetes/client-node';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FAILING_POD_ANNOTATION, FAILING_POD_MESSAGE_ANNOTATION, FAILING_POD_VALUE } from '../cluster/index.ts';
import { agent, configMap, createSync, failedWith, findCondition, live, namespace, readyAt, repo, setupEnv, waitFor, waitForSync, type Env } from './_harness.ts';

let env: Env;
beforeAll(async () => {
  env = await setupEnv();
});
afterAll(async () => {
  await env?.dispose();
});

interface JobOptions {
  readonly hook: string;
  readonly deletePolicy?: string;
  /** The message kwok writes as the pod's termination message; makes the pod fail. */
  readonly failWith?: string;
}

const job = (ns: string, name: string, options: JobOptions) =>
  stringify({
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name, namespace: ns, annotations: { 'strata.dev/hook': options.hook, ...(options.deletePolicy ? { 'strata.dev/hook-delete-policy': options.deletePolicy } : {}) } },
    spec: {
      backoffLimit: 0,
      template: {
        metadata: options.failWith === undefined ? {} : { annotations: { [FAILING_POD_ANNOTATION]: FAILING_POD_VALUE, [FAILING_POD_MESSAGE_ANNOTATION]: options.failWith } },
        spec: { restartPolicy: 'Never', containers: [{ name: 'migrate', image: 'registry.example/app:1', envFrom: [{ configMapRef: { name: 'app-config' } }] }] },
      },
    },
  });

const deployment = (ns: string, image: string) =>
  stringify({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: ns },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: 'web' } },
      template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image, envFrom: [{ configMapRef: { name: 'app-config' } }] }] } },
    },
  });

type Watched = {
  kind?: string;
  metadata: { name: string; uid: string; creationTimestamp?: string; annotations?: Record<string, string>; managedFields?: { manager?: string; time?: string }[] };
  status?: { availableReplicas?: number; completionTime?: string; conditions?: { type: string; status: string }[] };
};
type Job = Watched;
type Deployment = Watched & { spec: { template: { spec: { containers: { image: string }[] } } }; metadata: Watched['metadata'] & { generation: number } };

/** Watches Jobs and Deployments of a namespace, recording when (local time) each was first seen, completed and became available. */
async function recorder(ns: string) {
  const seen = { added: new Map<string, number>(), completed: new Map<string, number>(), available: new Map<string, number>(), jobs: new Map<string, Job>() };
  const watches = await Promise.all(
    [`/apis/batch/v1/namespaces/${ns}/jobs`, `/apis/apps/v1/namespaces/${ns}/deployments`].map((path) =>
      new Watch(env.kc).watch(path, {}, (type: string, object: Watched) => {
        const key = `${path.includes('/jobs') ? 'Job' : 'Deployment'}/${object.metadata.name}@${object.metadata.uid}`;
        if (type === 'ADDED' && !seen.added.has(key)) seen.added.set(key, Date.now());
        if (object.status?.conditions?.some((c) => c.type === 'Complete' && c.status === 'True') && !seen.completed.has(key)) seen.completed.set(key, Date.now());
        if ((object.status?.availableReplicas ?? 0) >= 1 && !seen.available.has(key)) seen.available.set(key, Date.now());
        if (path.includes('/jobs')) seen.jobs.set(object.metadata.name, object);
      }, () => undefined),
    ),
  );
  const first = (map: Map<string, number>, prefix: string) => [...map.entries()].filter(([key]) => key.startsWith(prefix)).map(([, time]) => time);
  return {
    seen,
    /** When an object whose key starts with `prefix` (`Job/migrate@<uid>`) was first added, completed, available. */
    at: (what: 'added' | 'completed' | 'available', prefix: string) => first(seen[what], prefix),
    stop: () => watches.forEach((watch) => watch.abort()),
  };
}

describe('hooks', () => {
  it('a pre-apply Job completes before the Deployment is written, a post-apply Job runs once it is available, and each new revision runs them again', async () => {
    const ns = await namespace(env, 'hooks');
    const { url, secret } = await repo(env, ns, 'hooks');
    const files = (image: string) => ({
      'app/config.yaml': configMap(ns, 'app-config', { image }),
      'app/migrate.yaml': job(ns, 'migrate', { hook: 'pre-apply' }),
      'app/smoke.yaml': job(ns, 'smoke', { hook: 'post-apply', deletePolicy: 'succeeded' }),
      'app/web.yaml': deployment(ns, image),
    });
    const first = await env.git.push('hooks', { files: files('registry.example/web:1') });
    const watch = await recorder(ns);
    try {
      await agent(env, ns);
      await createSync(env, ns, 'app', { url, secretRef: { name: secret }, path: 'app', timeout: '60s' });
      const ready = await waitForSync(env, ns, 'app', readyAt(first), 60_000);
      const migrate = await live<Job>(env, `/apis/batch/v1/namespaces/${ns}/jobs/migrate`);
      const web = await live<Deployment>(env, `/apis/apps/v1/namespaces/${ns}/deployments/web`);
      // Watch order: the migration completed before the Deployment was added; the smoke test was added once the Deployment was available.
      const [migrated] = watch.at('completed', `Job/migrate@${migrate!.metadata.uid}`);
      const [webAdded] = watch.at('added', 'Deployment/web@');
      const [webAvailable] = watch.at('available', 'Deployment/web@');
      const [smokeAdded] = watch.at('added', 'Job/smoke@');
      expect(migrated).toBeDefined();
      expect(migrated!).toBeLessThan(webAdded!);
      expect(webAvailable!).toBeLessThan(smokeAdded!);
      // The API server's own clock agrees, to its one-second resolution: the Job completed no later than the Deployment was written.
      const written = web!.metadata.managedFields?.find((entry) => entry.manager === 'strata')?.time ?? '';
      expect(Date.parse(migrate!.status!.completionTime!)).toBeLessThanOrEqual(Date.parse(written));
      expect(migrate!.metadata.annotations?.['strata.dev/hook-revision']).toBe(`main@sha1:${first}`);
      // Hooks are not in the inventory; the smoke Job was deleted once it succeeded (its policy), the migration kept (the default).
      expect(ready.status?.inventory?.entries.map((entry) => entry.id).sort()).toEqual([`${ns}_app-config__ConfigMap`, `${ns}_web_apps_Deployment`]);
      await waitFor('smoke Job deleted', async () => (await live(env, `/apis/batch/v1/namespaces/${ns}/jobs/smoke`)) === undefined);
      const notes = (await env.client.events(ns, 'app')).map((event) => event.note).join('\n');
      expect(notes).toContain(`pre-apply hook Job/${ns}/migrate created: Job completed`);
      expect(notes).toContain(`post-apply hook Job/${ns}/smoke created: Job completed`);

      // A second revision runs the migration again: a new Job (new uid), before the Deployment changes.
      const second = await env.git.push('hooks', { files: files('registry.example/web:2') });
      await env.client.patchSpec(ns, 'app', { interval: '11m' }); // a spec change reconciles now
      await waitForSync(env, ns, 'app', readyAt(second), 60_000);
      const again = await live<Job>(env, `/apis/batch/v1/namespaces/${ns}/jobs/migrate`);
      expect(again!.metadata.uid).not.toBe(migrate!.metadata.uid);
      expect(again!.metadata.annotations?.['strata.dev/hook-revision']).toBe(`main@sha1:${second}`);
      const [migratedAgain] = watch.at('completed', `Job/migrate@${again!.metadata.uid}`);
      const rolled = await live<Deployment>(env, `/apis/apps/v1/namespaces/${ns}/deployments/web`);
      expect(rolled!.spec.template.spec.containers[0]!.image).toBe('registry.example/web:2');
      expect(migratedAgain).toBeDefined();
      expect(watch.seen.jobs.get('smoke')).toBeDefined();

      // The same revision again (an interval run) runs no hook: the migration Job stays the one of the second revision.
      await env.client.patchSpec(ns, 'app', { interval: '12m' });
      await waitForSync(env, ns, 'app', (sync) => readyAt(second)(sync) && sync.status?.observedGeneration === sync.metadata.generation, 30_000);
      expect((await live<Job>(env, `/apis/batch/v1/namespaces/${ns}/jobs/migrate`))!.metadata.uid).toBe(again!.metadata.uid);
    } finally {
      watch.stop();
    }
  });

  it('a failing pre-apply hook stops the revision: HealthCheckFailed naming the Job and its pod, the Deployment untouched, on-failure hooks run', async () => {
    const ns = await namespace(env, 'hooks-fail');
    const { url, secret } = await repo(env, ns, 'hooks-fail');
    const first = await env.git.push('hooks-fail', {
      files: { 'app/config.yaml': configMap(ns, 'app-config'), 'app/migrate.yaml': job(ns, 'migrate', { hook: 'pre-apply' }), 'app/web.yaml': deployment(ns, 'registry.example/web:1') },
    });
    await agent(env, ns);
    await createSync(env, ns, 'app', { url, secretRef: { name: secret }, path: 'app', timeout: '60s', retryInterval: '10m' });
    await waitForSync(env, ns, 'app', readyAt(first), 60_000);
    const before = await live<Deployment>(env, `/apis/apps/v1/namespaces/${ns}/deployments/web`);

    const second = await env.git.push('hooks-fail', {
      files: {
        'app/config.yaml': configMap(ns, 'app-config'),
        'app/migrate.yaml': job(ns, 'migrate', { hook: 'pre-apply', failWith: 'relation "orders" already exists' }),
        'app/notify.yaml': job(ns, 'notify', { hook: 'on-failure' }),
        'app/web.yaml': deployment(ns, 'registry.example/web:2'),
      },
    });
    await env.client.patchSpec(ns, 'app', { interval: '11m' });
    const failed = await waitForSync(env, ns, 'app', (sync) => failedWith('HealthCheckFailed')(sync) && (sync.status?.lastAttemptedRevision ?? '').endsWith(second), 60_000);
    const message = findCondition(failed.status, 'Ready')?.message ?? '';
    expect(message).toContain(`pre-apply hook of revision main@sha1:${second} failed, nothing else of the revision was applied`);
    expect(message).toContain(`Job/${ns}/migrate: pre-apply hook: Job failed`);
    expect(message).toMatch(/pod migrate-[a-z0-9]+: container migrate exited with code 1 \(Error\): relation "orders" already exists/);
    expect(message).toContain(`on-failure hooks ran: Job/${ns}/notify`);
    expect(failed.status?.lastAppliedRevision).toBe(`main@sha1:${first}`);
    const after = await live<Deployment>(env, `/apis/apps/v1/namespaces/${ns}/deployments/web`);
    expect(after!.spec.template.spec.containers[0]!.image).toBe('registry.example/web:1');
    expect(after!.metadata.generation).toBe(before!.metadata.generation);
    expect((await live<Job>(env, `/apis/batch/v1/namespaces/${ns}/jobs/notify`))?.metadata.annotations?.['strata.dev/hook-revision']).toBe(`main@sha1:${second}`);
  });
});
