import { describe, expect, it } from 'vitest';
import { Overlays, Testing } from '../../src/constructs/index.ts';
import { appFixture, at } from './_fixtures.ts';

describe('namePrefix / nameSuffix', () => {
  it('prefixes every name and rewrites every reference to a renamed object', () => {
    const objects = Testing.overlay(appFixture(), Overlays.namePrefix('prod-'));
    const deployment = Testing.find(objects, 'Deployment', 'prod-web');
    const pod = at(deployment, 'spec', 'template', 'spec');
    expect(at(pod, 'serviceAccountName')).toBe('prod-web');
    expect(at(pod, 'containers', 0, 'envFrom', 0, 'configMapRef', 'name')).toBe('prod-web-config');
    expect(at(pod, 'containers', 0, 'env', 0, 'valueFrom', 'configMapKeyRef', 'name')).toBe('prod-web-config');
    expect(at(pod, 'containers', 0, 'env', 1, 'valueFrom', 'secretKeyRef', 'name')).toBe('prod-web-secret');
    expect(at(pod, 'initContainers', 0, 'envFrom', 0, 'secretRef', 'name')).toBe('prod-web-secret');
    expect(at(pod, 'volumes')).toEqual([
      { name: 'config', configMap: { name: 'prod-web-config' } },
      { name: 'secret', secret: { secretName: 'prod-web-secret' } },
      { name: 'data', persistentVolumeClaim: { claimName: 'prod-web-data' } },
      { name: 'both', projected: { sources: [{ configMap: { name: 'prod-web-config' } }, { secret: { name: 'prod-web-secret' } }] } },
    ]);
    // A Secret the set does not define keeps its name.
    expect(at(pod, 'imagePullSecrets', 0, 'name')).toBe('registry-credentials');

    const ingress = Testing.find(objects, 'Ingress', 'prod-web');
    expect(at(ingress, 'spec', 'rules', 0, 'http', 'paths', 0, 'backend', 'service', 'name')).toBe('prod-web');
    expect(at(ingress, 'spec', 'tls', 0, 'secretName')).toBe('prod-web-secret');
    // IngressClass is shared cluster infrastructure: not renamed, so not rewritten.
    expect(at(ingress, 'spec', 'ingressClassName')).toBe('nginx');
    expect(Testing.find(objects, 'IngressClass', 'nginx')).toBeDefined();

    expect(at(Testing.find(objects, 'HorizontalPodAutoscaler', 'prod-web'), 'spec', 'scaleTargetRef', 'name')).toBe('prod-web');
    const binding = Testing.find(objects, 'RoleBinding', 'prod-web');
    expect(at(binding, 'roleRef', 'name')).toBe('prod-web');
    expect(at(binding, 'subjects', 0, 'name')).toBe('prod-web');
  });

  it('leaves label selectors alone (they do not name objects)', () => {
    const objects = Testing.overlay(appFixture(), Overlays.nameSuffix('-blue'));
    expect(at(Testing.find(objects, 'Service', 'web-blue'), 'spec', 'selector')).toEqual({ 'app.kubernetes.io/name': 'web' });
    expect(at(Testing.find(objects, 'Deployment', 'web-blue'), 'spec', 'template', 'spec', 'containers', 0, 'envFrom', 0, 'configMapRef', 'name')).toBe('web-config-blue');
  });

  it('does not rewrite a reference to a same-named object in another namespace', () => {
    const fixture = appFixture().map((object) => (object.kind === 'ConfigMap' ? { ...object, metadata: { ...object.metadata, namespace: 'other' } } : object));
    const objects = Testing.overlay(fixture, Overlays.namePrefix('p-'));
    expect(at(Testing.find(objects, 'Deployment', 'p-web'), 'spec', 'template', 'spec', 'containers', 0, 'envFrom', 0, 'configMapRef', 'name')).toBe('web-config');
  });
});
