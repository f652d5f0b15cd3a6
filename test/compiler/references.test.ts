// Reference checks in `strata validate` (the real binary on a fixture project): a dangling
// priorityClassName and a dangling ConfigMap volume each fail with both objects, the field
// and the construct path; names the cluster declares it provides pass.
import { afterAll, describe, expect, it } from 'vitest';
import { checkReferences } from '../../src/compiler/index.ts';
import type { KubeObject } from '../../src/manifest/index.ts';
import { strata } from '../cli/_run.ts';
import { FixtureProject, clusterModule, sampleObjects } from './_project.ts';

const projects: FixtureProject[] = [];
afterAll(() => projects.forEach((p) => p.remove()));

function withPod(patch: (spec: Record<string, unknown>) => void) {
  const objects = sampleObjects('dev');
  const deployment = objects.find((o) => o.object['kind'] === 'Deployment')!.object as { spec: { template: { spec: Record<string, unknown> } } };
  patch(deployment.spec.template.spec);
  return objects;
}

describe('strata validate: references', () => {
  it('a dangling priorityClassName fails, naming the Deployment, the PriorityClass, the field and the construct', () => {
    const project = new FixtureProject({ dev: clusterModule('dev', withPod((spec) => (spec['priorityClassName'] = 'business-critical'))) });
    projects.push(project);
    const run = strata(['validate', '--root', project.root, '--no-typecheck']);
    expect(run.status).toBe(1);
    expect(run.stdout).toContain(
      'Deployment/shop/api: spec.template.spec.priorityClassName: refers to PriorityClass/business-critical, which is neither in the compiled output nor provided by the cluster',
    );
    expect(run.stdout).toContain('(construct dev/apps/api/Deployment)');
  });

  it('a dangling ConfigMap volume fails with both names; an optional one and kube-root-ca.crt pass', () => {
    const project = new FixtureProject({
      dev: clusterModule(
        'dev',
        withPod((spec) => {
          spec['volumes'] = [
            { name: 'settings', configMap: { name: 'api-settings' } },
            { name: 'extra', configMap: { name: 'api-extra', optional: true } },
            { name: 'ca', configMap: { name: 'kube-root-ca.crt' } },
            { name: 'config', configMap: { name: 'api-config' } },
          ];
        }),
      ),
    });
    projects.push(project);
    const run = strata(['validate', '--root', project.root, '--no-typecheck', '-o', 'json']);
    expect(run.status).toBe(1);
    const problems = (JSON.parse(run.stdout) as { problems: { object: string; path: string; message: string; construct: string }[] }).problems;
    expect(problems).toEqual([
      {
        file: 'deploy/dev/shop/deployment-api.yaml',
        object: 'Deployment/shop/api',
        path: 'spec.template.spec.volumes[0].configMap.name',
        message: expect.stringContaining('refers to ConfigMap/shop/api-settings'),
        construct: 'dev/apps/api/Deployment',
      },
    ]);
  });

  it('checks the other references by rule: Service selectors, Ingress backends and class, roleRef, HPA targets, names the cluster provides', () => {
    const meta = (kind: string, name: string, extra: object = {}) => ({ apiVersion: 'v1', kind, metadata: { name, namespace: 'shop' }, ...extra }) as unknown as KubeObject;
    const targets = [
      meta('Service', 'orphan', { spec: { selector: { app: 'nothing' } } }),
      { ...meta('Ingress', 'web', { spec: { ingressClassName: 'nginx', rules: [{ http: { paths: [{ backend: { service: { name: 'orphan' } } }, { backend: { service: { name: 'gone' } } }] } }] } }), apiVersion: 'networking.k8s.io/v1' },
      meta('RoleBinding', 'team', { roleRef: { kind: 'ClusterRole', name: 'view' } }),
      meta('RoleBinding', 'other', { roleRef: { kind: 'Role', name: 'missing' } }),
      meta('HorizontalPodAutoscaler', 'api', { spec: { scaleTargetRef: { kind: 'Deployment', name: 'api' } } }),
      meta('PersistentVolumeClaim', 'data', { spec: { storageClassName: 'gp3' } }),
    ].map((object, i) => ({ object: object as KubeObject, source: `dev/x/${i}` }));
    const found = checkReferences(targets, [{ kind: 'StorageClass', name: 'gp3' }]).map((p) => `${p.ref.kind}/${p.ref.name} ${p.field}: ${p.message.split(',')[0]}`);
    expect(found).toEqual([
      'Service/orphan spec.selector: selects no pod template in namespace shop (app=nothing)',
      'Ingress/web spec.ingressClassName: refers to IngressClass/nginx',
      'Ingress/web spec.rules[0].http.paths[1].backend.service.name: refers to Service/shop/gone',
      'RoleBinding/other roleRef: refers to Role/shop/missing',
      'HorizontalPodAutoscaler/api spec.scaleTargetRef: refers to Deployment/shop/api',
    ]);
  });
});
