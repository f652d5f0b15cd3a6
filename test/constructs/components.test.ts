import { describe, expect, it } from 'vitest';
import { AlertRules, ConstructValidationError, NetworkBaseline, ScrapeTarget, SecureNamespace, TeamAccess, Testing } from '../../src/constructs/index.ts';
import { at } from './_fixtures.ts';

describe('base components', () => {
  it('networking: default-deny, DNS and same-namespace egress per namespace, and an IngressClass', () => {
    const objects = Testing.objects((scope) => new NetworkBaseline(scope, 'net', { namespaces: ['a'], ingressClass: { name: 'nginx', isDefault: true } }));
    expect(objects.map((object) => `${object.kind}/${object.metadata.name}`)).toEqual([
      'NetworkPolicy/default-deny',
      'NetworkPolicy/allow-dns',
      'NetworkPolicy/allow-same-namespace-egress',
      'IngressClass/nginx',
    ]);
    expect(Testing.find(objects, 'NetworkPolicy', 'default-deny').spec).toEqual({ podSelector: {}, policyTypes: ['Ingress', 'Egress'] });
  });

  it('security: Pod Security Admission labels and team RBAC', () => {
    const objects = Testing.objects((scope) => {
      new SecureNamespace(scope, 'shop');
      new TeamAccess(scope, 'devs', { namespace: 'shop', group: 'developers', level: 'deploy' });
    });
    expect(Testing.find(objects, 'Namespace', 'shop').metadata.labels).toMatchObject({
      'pod-security.kubernetes.io/enforce': 'restricted',
      'pod-security.kubernetes.io/enforce-version': 'v1.28',
    });
    expect(at(Testing.find(objects, 'RoleBinding', 'devs'), 'subjects')).toEqual([{ apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: 'developers' }]);
    expect(JSON.stringify(Testing.find(objects, 'Role', 'devs').rules)).toContain('deployments/scale');
  });

  it('monitoring: PrometheusRule from typed alerts and a ServiceMonitor', () => {
    const objects = Testing.objects((scope) => {
      new AlertRules(scope, 'alerts', { namespace: 'monitoring', alerts: [{ alert: 'Down', expr: 'up == 0', summary: 'down', severity: 'critical' }] });
      new ScrapeTarget(scope, 'ingress', { namespace: 'monitoring', selector: { app: 'ingress' }, namespaces: ['ingress-nginx'] });
    });
    expect(at(Testing.find(objects, 'PrometheusRule', 'alerts'), 'spec', 'groups', 0, 'rules', 0)).toEqual({
      alert: 'Down',
      expr: 'up == 0',
      for: '5m',
      labels: { severity: 'critical' },
      annotations: { summary: 'down' },
    });
    expect(at(Testing.find(objects, 'ServiceMonitor', 'ingress'), 'spec', 'namespaceSelector')).toEqual({ matchNames: ['ingress-nginx'] });
  });

  it('monitoring: rejects an alert defined twice', () => {
    const alert = { alert: 'Down', expr: 'up == 0', summary: 'down' };
    expect(() => Testing.cluster((scope) => new AlertRules(scope, 'alerts', { namespace: 'm', alerts: [alert, alert] })).synthesize()).toThrow(ConstructValidationError);
  });
});
