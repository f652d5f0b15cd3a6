import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../src/manifest/index.ts';
import { computeHealth } from '../../src/engine/health.ts';

const obj = (apiVersion: string, kind: string, rest: Record<string, unknown> = {}, metadata: Record<string, unknown> = {}): KubeObject => ({
  apiVersion,
  kind,
  metadata: { name: 'x', namespace: 'ns', generation: 1, ...metadata },
  ...rest,
});

const deployment = (status: Record<string, unknown>, spec: Record<string, unknown> = { replicas: 2 }): KubeObject => obj('apps/v1', 'Deployment', { spec, status });
const rolledOut = {
  observedGeneration: 1,
  replicas: 2,
  updatedReplicas: 2,
  readyReplicas: 2,
  availableReplicas: 2,
  conditions: [
    { type: 'Progressing', status: 'True', reason: 'NewReplicaSetAvailable' },
    { type: 'Available', status: 'True', reason: 'MinimumReplicasAvailable' },
  ],
};

describe('computeHealth: generic rules', () => {
  it('is NotFound for a missing object', () => {
    expect(computeHealth(undefined).status).toBe('NotFound');
  });
  it('is Terminating with a deletionTimestamp, before any kind rule', () => {
    expect(computeHealth(obj('apps/v1', 'Deployment', { status: rolledOut }, { deletionTimestamp: '2026-01-01T00:00:00Z' })).status).toBe('Terminating');
  });
  it('is InProgress while the generation is not observed', () => {
    const health = computeHealth(obj('apps/v1', 'Deployment', { spec: { replicas: 2 }, status: { ...rolledOut, observedGeneration: 1 } }, { generation: 2 }));
    expect(health).toEqual({ status: 'InProgress', message: 'generation 2 not observed yet (observed 1)' });
  });
  it('is Failed on Stalled=True and InProgress on Reconciling=True, with their messages', () => {
    expect(computeHealth(obj('example.com/v1', 'Widget', { status: { conditions: [{ type: 'Stalled', status: 'True', message: 'bad spec' }] } }))).toEqual({ status: 'Failed', message: 'bad spec' });
    expect(computeHealth(obj('example.com/v1', 'Widget', { status: { conditions: [{ type: 'Reconciling', status: 'True', reason: 'Progressing' }] } }))).toEqual({ status: 'InProgress', message: 'Progressing' });
  });
  it('falls back to the Ready condition, and to Current without conditions', () => {
    expect(computeHealth(obj('example.com/v1', 'Widget', { status: { conditions: [{ type: 'Ready', status: 'True', message: 'ok' }] } })).status).toBe('Current');
    expect(computeHealth(obj('example.com/v1', 'Widget', { status: { conditions: [{ type: 'Ready', status: 'False', message: 'waiting for db' }] } }))).toEqual({ status: 'InProgress', message: 'waiting for db' });
    expect(computeHealth(obj('v1', 'ConfigMap', { data: {} })).status).toBe('Current');
  });
});

describe('computeHealth: Deployment', () => {
  it('is Current when rolled out', () => {
    expect(computeHealth(deployment(rolledOut))).toEqual({ status: 'Current', message: 'Deployment is available. Replicas: 2' });
  });
  it.each([
    [{ ...rolledOut, replicas: 1 }, 'Replicas: 1/2'],
    [{ ...rolledOut, updatedReplicas: 1 }, 'Updated: 1/2'],
    [{ ...rolledOut, replicas: 3 }, 'Pending termination: 1'],
    [{ ...rolledOut, availableReplicas: 1 }, 'Available: 1/2'],
    [{ ...rolledOut, readyReplicas: 1 }, 'Ready: 1/2'],
    [{ ...rolledOut, conditions: [{ type: 'Available', status: 'True' }] }, 'rollout in progress'],
  ])('is InProgress: %j → %s', (status, message) => {
    expect(computeHealth(deployment(status))).toEqual({ status: 'InProgress', message });
  });
  it('is Failed when the progress deadline is exceeded', () => {
    const status = { ...rolledOut, conditions: [{ type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded', message: 'ReplicaSet "x" has timed out progressing.' }] };
    expect(computeHealth(deployment(status)).status).toBe('Failed');
  });
  it('defaults spec.replicas to 1', () => {
    expect(computeHealth(deployment({}, {})).message).toBe('Replicas: 0/1');
  });
});

describe('computeHealth: other kinds', () => {
  it('StatefulSet: ready replicas, revisions, partitions, OnDelete', () => {
    const base = { observedGeneration: 1, replicas: 3, readyReplicas: 3, currentReplicas: 3, updatedReplicas: 3, currentRevision: 'a', updateRevision: 'a' };
    const sts = (status: object, spec: object = { replicas: 3 }): KubeObject => obj('apps/v1', 'StatefulSet', { spec, status });
    expect(computeHealth(sts(base)).status).toBe('Current');
    expect(computeHealth(sts({ ...base, readyReplicas: 2 })).message).toBe('Ready: 2/3');
    expect(computeHealth(sts({ ...base, updateRevision: 'b' })).message).toBe('waiting for the updated revision');
    expect(computeHealth(sts({ ...base, updatedReplicas: 0 }, { replicas: 3, updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 2 } } })).status).toBe('InProgress');
    expect(computeHealth(sts({}, { updateStrategy: { type: 'OnDelete' } })).status).toBe('Current');
  });
  it('DaemonSet: every node scheduled, updated, available and ready', () => {
    const ds = (status: object): KubeObject => obj('apps/v1', 'DaemonSet', { status });
    expect(computeHealth(ds({})).message).toBe('missing status.desiredNumberScheduled');
    const ok = { desiredNumberScheduled: 2, currentNumberScheduled: 2, updatedNumberScheduled: 2, numberAvailable: 2, numberReady: 2 };
    expect(computeHealth(ds(ok)).status).toBe('Current');
    expect(computeHealth(ds({ ...ok, numberReady: 1 })).message).toBe('Ready: 1/2');
  });
  it('Job: InProgress until Complete, Failed on Failed', () => {
    const job = (status: object): KubeObject => obj('batch/v1', 'Job', { spec: { completions: 1 }, status });
    expect(computeHealth(job({})).message).toBe('Job not started');
    expect(computeHealth(job({ startTime: 't', active: 1 })).status).toBe('InProgress');
    expect(computeHealth(job({ startTime: 't', succeeded: 1, conditions: [{ type: 'Complete', status: 'True' }] })).status).toBe('Current');
    expect(computeHealth(job({ startTime: 't', failed: 6, conditions: [{ type: 'Failed', status: 'True', reason: 'BackoffLimitExceeded' }] }))).toEqual({
      status: 'Failed',
      message: 'Job failed: BackoffLimitExceeded. Failed: 6',
    });
  });
  it('Pod: phases, readiness and crash loops', () => {
    const pod = (status: object): KubeObject => obj('v1', 'Pod', { status });
    expect(computeHealth(pod({ phase: 'Succeeded' })).status).toBe('Current');
    expect(computeHealth(pod({ phase: 'Failed' })).status).toBe('Failed');
    expect(computeHealth(pod({ phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] })).status).toBe('Current');
    expect(computeHealth(pod({ phase: 'Running', containerStatuses: [{ name: 'app', state: { waiting: { reason: 'CrashLoopBackOff' } } }] }))).toEqual({
      status: 'Failed',
      message: 'containers failing: app (CrashLoopBackOff)',
    });
    expect(computeHealth(pod({ phase: 'Pending', conditions: [{ type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message: '0/1 nodes' }] })).message).toBe('Pod could not be scheduled: 0/1 nodes');
  });
  it('PersistentVolumeClaim: Bound', () => {
    expect(computeHealth(obj('v1', 'PersistentVolumeClaim', { status: { phase: 'Bound' } })).status).toBe('Current');
    expect(computeHealth(obj('v1', 'PersistentVolumeClaim', { status: { phase: 'Pending' } }))).toEqual({ status: 'InProgress', message: 'PVC is not Bound. Phase: Pending' });
  });
  it('CustomResourceDefinition: Established, or Failed when names are not accepted', () => {
    const crd = (conditions: object[]): KubeObject => obj('apiextensions.k8s.io/v1', 'CustomResourceDefinition', { status: { conditions } });
    expect(computeHealth(crd([{ type: 'Established', status: 'True' }])).status).toBe('Current');
    expect(computeHealth(crd([])).status).toBe('InProgress');
    expect(computeHealth(crd([{ type: 'NamesAccepted', status: 'False', message: 'plural in use' }])).status).toBe('Failed');
  });
});

describe('computeHealth: rules for other controllers’ kinds', () => {
  const canary = (phase: string | undefined, message?: string): KubeObject =>
    obj('flagger.app/v1beta1', 'Canary', { status: { ...(phase ? { phase } : {}), conditions: message ? [{ type: 'Promoted', status: 'False', message }] : [] } });
  it('Flagger Canary: Failed fails, Succeeded and Initialized are Current, every other phase is InProgress', () => {
    expect(computeHealth(canary('Failed', 'Canary analysis failed, Deployment scaled to zero.'))).toEqual({
      status: 'Failed',
      message: 'Canary analysis failed: Canary analysis failed, Deployment scaled to zero.',
    });
    expect(computeHealth(canary('Succeeded')).status).toBe('Current');
    expect(computeHealth(canary('Initialized')).status).toBe('Current');
    for (const phase of ['Initializing', 'Waiting', 'Progressing', 'WaitingPromotion', 'Promoting', 'Finalising', 'Terminating', 'Terminated']) {
      expect(computeHealth(canary(phase)).status, phase).toBe('InProgress');
    }
    expect(computeHealth(canary(undefined))).toEqual({ status: 'InProgress', message: 'Canary not initialized yet' });
  });
  it('cert-manager Certificate, Issuer, ClusterIssuer: Ready; a failed issuance is Failed', () => {
    const cm = (kind: string, conditions: object[]): KubeObject => obj('cert-manager.io/v1', kind, { status: { conditions } });
    for (const kind of ['Certificate', 'Issuer', 'ClusterIssuer']) {
      expect(computeHealth(cm(kind, [{ type: 'Ready', status: 'True', message: 'ok' }])).status, kind).toBe('Current');
      expect(computeHealth(cm(kind, [])).status, kind).toBe('InProgress');
      expect(computeHealth(cm(kind, [{ type: 'Ready', status: 'False', message: 'pending' }])).status, kind).toBe('InProgress');
    }
    expect(computeHealth(cm('Certificate', [{ type: 'Ready', status: 'False' }, { type: 'Issuing', status: 'False', reason: 'Failed', message: 'ACME order failed' }]))).toEqual({
      status: 'Failed',
      message: 'issuing failed: ACME order failed',
    });
  });
  it('HorizontalPodAutoscaler: AbleToScale=False fails, ScalingActive=False waits', () => {
    const hpa = (conditions: object[]): KubeObject => obj('autoscaling/v2', 'HorizontalPodAutoscaler', { status: { currentReplicas: 3, desiredReplicas: 3, conditions } });
    expect(computeHealth(hpa([{ type: 'AbleToScale', status: 'True' }, { type: 'ScalingActive', status: 'True' }]))).toEqual({ status: 'Current', message: 'HPA is scaling. Replicas: 3/3' });
    expect(computeHealth(hpa([{ type: 'AbleToScale', status: 'False', message: 'no scale subresource' }])).status).toBe('Failed');
    expect(computeHealth(hpa([{ type: 'AbleToScale', status: 'True' }, { type: 'ScalingActive', status: 'False', reason: 'FailedGetResourceMetric' }])).status).toBe('InProgress');
    expect(computeHealth(hpa([{ type: 'AbleToScale', status: 'True' }, { type: 'ScalingActive', status: 'False', reason: 'ScalingDisabled' }])).status).toBe('Current');
    expect(computeHealth(hpa([])).status).toBe('InProgress');
  });
  it('Ingress and LoadBalancer Service: Current once an address is assigned', () => {
    expect(computeHealth(obj('networking.k8s.io/v1', 'Ingress', { status: { loadBalancer: {} } })).status).toBe('InProgress');
    expect(computeHealth(obj('networking.k8s.io/v1', 'Ingress', { status: { loadBalancer: { ingress: [{ hostname: 'lb.example.com' }] } } }))).toEqual({
      status: 'Current',
      message: 'Ingress address: lb.example.com',
    });
    const lb = (status: object): KubeObject => obj('v1', 'Service', { spec: { type: 'LoadBalancer', clusterIP: '10.0.0.1' }, status });
    expect(computeHealth(lb({ loadBalancer: {} }))).toEqual({ status: 'InProgress', message: 'waiting for a load balancer address' });
    expect(computeHealth(lb({ loadBalancer: { ingress: [{ ip: '203.0.113.7' }] } })).status).toBe('Current');
    expect(computeHealth(obj('v1', 'Service', { spec: { type: 'ClusterIP', clusterIP: '10.0.0.2' } })).status).toBe('Current');
  });
  it('APIService: Available', () => {
    const api = (conditions: object[]): KubeObject => obj('apiregistration.k8s.io/v1', 'APIService', { status: { conditions } });
    expect(computeHealth(api([{ type: 'Available', status: 'True' }])).status).toBe('Current');
    expect(computeHealth(api([{ type: 'Available', status: 'False', reason: 'MissingEndpoints' }]))).toEqual({ status: 'InProgress', message: 'APIService not Available: MissingEndpoints' });
  });
  it('PodDisruptionBudget: currentHealthy against desiredHealthy, after the generation is observed', () => {
    const pdb = (status: object, generation = 1): KubeObject => obj('policy/v1', 'PodDisruptionBudget', { status }, { generation });
    expect(computeHealth(pdb({ observedGeneration: 1, currentHealthy: 1, desiredHealthy: 2 })).status).toBe('InProgress');
    expect(computeHealth(pdb({ observedGeneration: 1, currentHealthy: 2, desiredHealthy: 2 })).status).toBe('Current');
    expect(computeHealth(pdb({ observedGeneration: 1, currentHealthy: 2, desiredHealthy: 2 }, 2)).status).toBe('InProgress');
  });
  it('Sync and ImageUpdate: Ready for the current generation; Ready=False is Failed', () => {
    for (const kind of ['Sync', 'ImageUpdate']) {
      const strata = (ready: object, generation = 1): KubeObject => obj('strata.dev/v1alpha1', kind, { status: { conditions: [{ type: 'Ready', ...ready }] } }, { generation });
      expect(computeHealth(strata({ status: 'True', observedGeneration: 1, message: 'Applied revision: main@abc' })).status, kind).toBe('Current');
      expect(computeHealth(strata({ status: 'True', observedGeneration: 1 }, 2))).toEqual({ status: 'InProgress', message: 'Ready is for generation 1, not 2' });
      expect(computeHealth(strata({ status: 'False', observedGeneration: 1, reason: 'BuildFailed', message: 'bad object' }))).toEqual({ status: 'Failed', message: 'BuildFailed: bad object' });
      expect(computeHealth(strata({ status: 'Unknown', observedGeneration: 1 })).status, kind).toBe('InProgress');
    }
  });
});
