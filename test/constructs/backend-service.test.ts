import { describe, expect, it } from 'vitest';
import { BackendService, ConstructValidationError, Testing, type BackendServiceProps } from '../../src/constructs/index.ts';

const props: BackendServiceProps = { namespace: 'shop', image: 'ghcr.io/acme/api:1.2.3' };
const kinds = (objects: { kind: string }[]) => objects.map((object) => object.kind);

describe('BackendService', () => {
  it('creates the production set of objects with our defaults', () => {
    const objects = Testing.objects((scope) => new BackendService(scope, 'api', props));
    expect(kinds(objects)).toEqual(['ServiceAccount', 'Deployment', 'Service', 'HorizontalPodAutoscaler', 'PodDisruptionBudget', 'NetworkPolicy']);
    expect(objects).toMatchSnapshot();
  });

  it('adds a migration Job as a pre-apply hook: the service image, environment and ServiceAccount, no retries', () => {
    const objects = Testing.objects((scope) => new BackendService(scope, 'api', { ...props, envFrom: [{ secret: 'db' }], migration: { command: ['/app/api', 'migrate'] } }));
    const job = Testing.find(objects, 'Job', 'api-migrate');
    expect(job.metadata.annotations?.['strata.dev/hook']).toBe('pre-apply');
    const spec = job.spec as { backoffLimit: number; activeDeadlineSeconds: number; template: { spec: { restartPolicy: string; serviceAccountName: string; containers: Record<string, unknown>[] } } };
    expect(spec.backoffLimit).toBe(0);
    expect(spec.activeDeadlineSeconds).toBe(600);
    expect(spec.template.spec.restartPolicy).toBe('Never');
    expect(spec.template.spec.serviceAccountName).toBe('api');
    expect(spec.template.spec.containers[0]).toMatchObject({ image: props.image, command: ['/app/api', 'migrate'], envFrom: [{ secretRef: { name: 'db' } }] });
    expect(spec.template.spec.containers[0]!['readinessProbe']).toBeUndefined();
  });

  it('avoids the cdk8s-plus surprises: explicit small requests, IfNotPresent, no metadata.addr label', () => {
    const deployment = Testing.find(Testing.objects((scope) => new BackendService(scope, 'api', props)), 'Deployment', 'api');
    const text = JSON.stringify(deployment);
    expect(text).not.toContain('cdk8s.io/metadata.addr');
    const spec = deployment.spec as { selector: unknown; template: { spec: { containers: Record<string, unknown>[] } } };
    const container = spec.template.spec.containers[0]!;
    expect(container.imagePullPolicy).toBe('IfNotPresent');
    expect(container.resources).toEqual({ requests: { cpu: '50m', memory: '64Mi' }, limits: { memory: '128Mi' } });
    expect(container.securityContext).toEqual({
      allowPrivilegeEscalation: false,
      capabilities: { drop: ['ALL'] },
      readOnlyRootFilesystem: true,
      runAsNonRoot: true,
      seccompProfile: { type: 'RuntimeDefault' },
    });
    expect(spec.selector).toEqual({ matchLabels: { 'app.kubernetes.io/name': 'api' } });
  });

  it('leaves replicas to the autoscaler when there is one', () => {
    const withHpa = Testing.find(Testing.objects((scope) => new BackendService(scope, 'api', props)), 'Deployment', 'api');
    expect((withHpa.spec as Record<string, unknown>).replicas).toBeUndefined();
    const without = Testing.find(Testing.objects((scope) => new BackendService(scope, 'api', { ...props, autoscaling: false, replicas: 3 })), 'Deployment', 'api');
    expect((without.spec as Record<string, unknown>).replicas).toBe(3);
  });

  it('adds a ServiceMonitor and a Flagger Canary on request, and leaves the Services to Flagger', () => {
    const objects = Testing.objects((scope) => new BackendService(scope, 'api', { ...props, metrics: { port: 9090 }, canary: {} }));
    expect(kinds(objects)).toEqual(['ServiceAccount', 'Deployment', 'HorizontalPodAutoscaler', 'PodDisruptionBudget', 'NetworkPolicy', 'ServiceMonitor', 'Canary']);
    const canary = Testing.find(objects, 'Canary', 'api');
    expect(canary.apiVersion).toBe('flagger.app/v1beta1');
    expect(canary.spec).toMatchObject({
      targetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'api' },
      autoscalerRef: { kind: 'HorizontalPodAutoscaler', name: 'api' },
      service: { port: 80, targetPort: 'http' },
      analysis: { stepWeight: 10, maxWeight: 50 },
    });
    // The budget must cover the pods Flagger runs as `<name>-primary`.
    const pdb = Testing.find(objects, 'PodDisruptionBudget', 'api');
    expect(JSON.stringify(pdb.spec)).toContain('api-primary');
  });

  it('without autoscaling, a Canary target leaves its replicas to Flagger (strata.dev/ignore-fields); with an HPA nothing needs ignoring', () => {
    const alone = Testing.find(Testing.objects((scope) => new BackendService(scope, 'api', { ...props, autoscaling: false, replicas: 3, canary: {} })), 'Deployment', 'api');
    expect(alone.metadata.annotations).toEqual({ 'strata.dev/ignore-fields': '/spec/replicas' });
    expect((alone.spec as Record<string, unknown>).replicas).toBe(3);
    const withHpa = Testing.find(Testing.objects((scope) => new BackendService(scope, 'api', { ...props, canary: {} })), 'Deployment', 'api');
    expect(withHpa.metadata.annotations).toBeUndefined();
  });

  it('skips the budget for a single replica', () => {
    const objects = Testing.objects((scope) => new BackendService(scope, 'api', { ...props, replicas: 1, autoscaling: false }));
    expect(kinds(objects)).not.toContain('PodDisruptionBudget');
  });

  it('collects every validation problem with its construct path', () => {
    const cluster = Testing.cluster((scope) => {
      new BackendService(scope, 'latest', { ...props, image: 'ghcr.io/acme/api:latest' });
      new BackendService(scope, 'bad', { ...props, image: 'ghcr.io/acme/api', replicas: 0, autoscaling: { maxReplicas: 1 } });
    });
    let error: unknown;
    try {
      cluster.synthesize();
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConstructValidationError);
    const problems = (error as ConstructValidationError).problems;
    expect(problems.map((problem) => problem.path)).toEqual(['test/test/latest', 'test/test/bad', 'test/test/bad']);
    expect(problems[0]!.message).toMatch(/latest/);
    expect(problems[1]!.message).toMatch(/neither a tag nor a digest/);
    expect(problems[2]!.message).toMatch(/replicas must be at least 1/);
  });
});

describe('Cluster', () => {
  it('reports components that fail to build together with the other problems', () => {
    const environment = Testing.environment({ images: { known: 'ghcr.io/acme/known:1.0.0' } });
    const cluster = Testing.cluster(
      (scope, env) => {
        new BackendService(scope, 'latest', { ...props, image: 'ghcr.io/acme/api:latest' });
        new BackendService(scope, 'missing', { ...props, image: env.image('missing') });
      },
      { environment },
    );
    expect(() => cluster.synthesize()).toThrow(/no image for component "missing"[\s\S]*test\/test\/latest: image "ghcr.io\/acme\/api:latest"/);
  });
});
