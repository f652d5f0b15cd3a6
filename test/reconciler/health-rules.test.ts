// Health beyond kstatus, against the real kube-apiserver: a Flagger Canary's phase gates a `wait`
// Sync, CEL rules (spec.healthCheckExprs) judge a custom kind, spec.healthChecks waits for an
// object the Sync does not apply, and a bad expression stops the Sync naming it. No controller
// runs for these kinds here: the test writes their status as Flagger or an operator would.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HealthCheckExpression } from '../../src/api/sync.ts';
import type { KubeObject } from '../../src/manifest/index.ts';
import { REPO } from '../compiler/_project.ts';
import { agent, configMap, createSync, failedWith, findCondition, namespace, readyAt, repo, setupEnv, waitForSync, type Env } from './_harness.ts';

let env: Env;

const WIDGET_GROUP = 'health.strata.test';
const WIDGET_CRD: KubeObject = {
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: `widgets.${WIDGET_GROUP}` },
  spec: {
    group: WIDGET_GROUP,
    names: { kind: 'Widget', listKind: 'WidgetList', plural: 'widgets', singular: 'widget' },
    scope: 'Namespaced',
    versions: [
      {
        name: 'v1',
        served: true,
        storage: true,
        subresources: { status: {} },
        schema: { openAPIV3Schema: { type: 'object', properties: { spec: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true }, status: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } } } },
      },
    ],
  },
};

/**
 * The Canary CRD the construct library imports (flagger.app/v1beta1, with its status subresource).
 * Not the vendored chart's charts/flagger/crds/crd.yaml: its multi-line single-quoted descriptions
 * continue at the key's own indentation, which Go's YAML accepts and the `yaml` package refuses.
 */
function canaryCrd(): KubeObject {
  return parse(readFileSync(join(REPO, 'src', 'constructs', 'imports', 'crds', 'flagger.app_canaries.yaml'), 'utf8')) as KubeObject;
}

beforeAll(async () => {
  env = await setupEnv();
  await env.client.api.installCrd(canaryCrd(), '/apis/flagger.app/v1beta1/canaries');
  await env.client.api.installCrd(WIDGET_CRD, `/apis/${WIDGET_GROUP}/v1/widgets`);
});
afterAll(async () => {
  await env?.dispose();
});

const canary = (ns: string) =>
  JSON.stringify({
    apiVersion: 'flagger.app/v1beta1',
    kind: 'Canary',
    metadata: { name: 'web', namespace: ns },
    spec: {
      targetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' },
      service: { port: 80 },
      analysis: { interval: '1m', threshold: 5, maxWeight: 50, stepWeight: 10 },
    },
  });

const widget = (ns: string, name: string) => JSON.stringify({ apiVersion: `${WIDGET_GROUP}/v1`, kind: 'Widget', metadata: { name, namespace: ns }, spec: { size: 2 } });

const canaryStatus = (ns: string, phase: string) =>
  env.client.api.mergePatch(`/apis/flagger.app/v1beta1/namespaces/${ns}/canaries/web/status`, { status: { phase, conditions: [{ type: 'Promoted', status: phase === 'Failed' ? 'False' : 'True', reason: phase, message: `Canary analysis ${phase.toLowerCase()}`, lastUpdateTime: new Date().toISOString(), lastTransitionTime: new Date().toISOString() }] } });

const widgetStatus = (ns: string, name: string, status: Record<string, unknown>) => env.client.api.mergePatch(`/apis/${WIDGET_GROUP}/v1/namespaces/${ns}/widgets/${name}/status`, { status });

/** The rule of the tests: a phase an operator writes, with `has()` for a Widget nobody touched yet. */
const WIDGET_RULE: HealthCheckExpression = {
  apiVersion: `${WIDGET_GROUP}/v1`,
  kind: 'Widget',
  inProgress: "!has(status.phase) || status.phase == 'Building'",
  failed: "status.phase == 'Broken'",
  current: "status.phase == 'Ready' && status.built >= spec.size",
};

const readyMessage = (sync: { status?: Parameters<typeof findCondition>[0] }) => findCondition(sync.status, 'Ready')?.message ?? '';

describe('health rules in a wait Sync', () => {
  it('a Canary whose phase is Failed makes the Sync HealthCheckFailed; Succeeded makes it Ready', async () => {
    const ns = await namespace(env, 'health-canary');
    const { url, secret } = await repo(env, ns, 'canary');
    const sha = await env.git.push('canary', { files: { 'canary.yaml': canary(ns) } });
    await agent(env, ns);
    await createSync(env, ns, 'c', { url, secretRef: { name: secret }, wait: true, timeout: '60s', retryInterval: '10m' });
    // Flagger's analysis fails while the Sync waits for the Canary.
    await waitForSync(env, ns, 'c', (sync) => findCondition(sync.status, 'Reconciling')?.status === 'True' && (sync.status?.inventory?.entries.length ?? 0) > 0);
    await canaryStatus(ns, 'Failed');
    const failed = await waitForSync(env, ns, 'c', failedWith('HealthCheckFailed'));
    expect(readyMessage(failed)).toContain(`Canary/${ns}/web: health check failed: Canary analysis failed: Canary analysis failed`);
    expect(findCondition(failed.status, 'Healthy')?.status).toBe('False');

    await canaryStatus(ns, 'Succeeded');
    await env.client.requestReconcile(ns, 'c');
    const ready = await waitForSync(env, ns, 'c', readyAt(sha));
    expect(findCondition(ready.status, 'Healthy')?.status).toBe('True');
  });

  it('a CEL rule judges a custom kind: InProgress until its phase, Failed on Broken, Current on Ready', async () => {
    const ns = await namespace(env, 'health-cel');
    const { url, secret } = await repo(env, ns, 'cel');
    const sha = await env.git.push('cel', { files: { 'widget.yaml': widget(ns, 'w') } });
    await agent(env, ns);
    // Without the rule a Widget with no status would be Current (no Ready condition); with it, it is InProgress.
    await createSync(env, ns, 'w', { url, secretRef: { name: secret }, wait: true, timeout: '3s', retryInterval: '10m', healthCheckExprs: [WIDGET_RULE] });
    const timedOut = await waitForSync(env, ns, 'w', failedWith('HealthCheckFailed'));
    expect(readyMessage(timedOut)).toMatch(new RegExp(`Widget/${ns}/w: not ready after [0-9.]+m?s: InProgress: healthCheckExprs inProgress is true`));

    await widgetStatus(ns, 'w', { phase: 'Broken' });
    const requested = await env.client.requestReconcile(ns, 'w');
    const broken = await waitForSync(env, ns, 'w', (sync) => sync.status?.lastHandledReconcileAt === requested && failedWith('HealthCheckFailed')(sync));
    expect(readyMessage(broken)).toContain(`Widget/${ns}/w: health check failed: healthCheckExprs failed is true`);

    // Ready but fewer built than the spec asks: none of the three is true, still InProgress.
    await widgetStatus(ns, 'w', { phase: 'Ready', built: 1 });
    const short = await env.client.requestReconcile(ns, 'w');
    const notYet = await waitForSync(env, ns, 'w', (sync) => sync.status?.lastHandledReconcileAt === short && failedWith('HealthCheckFailed')(sync));
    expect(readyMessage(notYet)).toContain('InProgress: no healthCheckExprs expression is true yet');

    await widgetStatus(ns, 'w', { phase: 'Ready', built: 2 });
    await env.client.requestReconcile(ns, 'w');
    await waitForSync(env, ns, 'w', readyAt(sha));
  });

  it('spec.healthChecks waits for an object the Sync does not apply, judged by its CEL rule', async () => {
    const ns = await namespace(env, 'health-checks');
    const { url, secret } = await repo(env, ns, 'checks');
    const sha = await env.git.push('checks', { files: { 'cm.yaml': configMap(ns, 'app') } });
    await agent(env, ns);
    await createSync(env, ns, 'h', {
      url,
      secretRef: { name: secret },
      timeout: '3s',
      retryInterval: '10m',
      healthCheckExprs: [WIDGET_RULE],
      healthChecks: [{ apiVersion: `${WIDGET_GROUP}/v1`, kind: 'Widget', name: 'db' }],
    });
    const missing = await waitForSync(env, ns, 'h', failedWith('HealthCheckFailed'));
    expect(readyMessage(missing)).toMatch(new RegExp(`Widget/${ns}/db: not ready after [0-9.]+m?s: NotFound: not found`));

    // Another controller creates the Widget and finishes it; the Sync never applies or prunes it.
    await env.client.api.request('POST', `/apis/${WIDGET_GROUP}/v1/namespaces/${ns}/widgets`, JSON.parse(widget(ns, 'db')));
    await widgetStatus(ns, 'db', { phase: 'Ready', built: 2 });
    await env.client.requestReconcile(ns, 'h');
    const ready = await waitForSync(env, ns, 'h', readyAt(sha));
    expect(findCondition(ready.status, 'Healthy')?.status).toBe('True');
    expect(ready.status?.inventory?.entries.map((entry) => entry.id)).toEqual([`${ns}_app__ConfigMap`]);
  });

  it('a bad expression stops the Sync before anything is applied, naming the Sync, the kind and the field', async () => {
    const ns = await namespace(env, 'health-bad');
    const { url, secret } = await repo(env, ns, 'bad');
    await env.git.push('bad', { files: { 'cm.yaml': configMap(ns, 'app') } });
    await agent(env, ns);
    await createSync(env, ns, 'b', { url, secretRef: { name: secret }, wait: true, healthCheckExprs: [{ ...WIDGET_RULE, failed: "status.phase == 'Broken' ||" }] });
    const failed = await waitForSync(env, ns, 'b', failedWith('ReconciliationFailed'));
    expect(readyMessage(failed)).toBe(
      `invalid healthCheckExprs of Sync/${ns}/b: spec.healthCheckExprs[0].failed (${WIDGET_GROUP}/Widget): "status.phase == 'Broken' ||": Unexpected token: EOF`,
    );
    expect(findCondition(failed.status, 'Stalled')?.status).toBe('True');
    expect(failed.status?.inventory).toBeUndefined();
  });
});
