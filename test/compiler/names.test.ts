import { describe, expect, it } from 'vitest';
import { checkLabelValue, checkQualifiedName, validateObjectNames } from '../../src/compiler/index.ts';

describe('validateObjectNames', () => {
  it('applies each kind its own name rule', () => {
    const names = (kind: string, name: string) => validateObjectNames({ apiVersion: 'v1', kind, metadata: { name } }, `c/${kind}`).map((p) => p.message);
    expect(names('ConfigMap', 'a.b-c')).toEqual([]);
    expect(names('Service', 'a.b')[0]).toMatch(/DNS-1035 label/);
    expect(names('Service', '9lives')[0]).toMatch(/DNS-1035 label/);
    expect(names('Namespace', 'a'.repeat(64))[0]).toMatch(/64 characters long/);
    expect(names('CronJob', 'a'.repeat(53))[0]).toMatch(/at most 52/);
    expect(names('ClusterRole', 'system:aggregate-to-view')).toEqual([]);
    expect(names('ClusterRole', 'a/b')[0]).toMatch(/path segment/);
    expect(names('Deployment', 'Api')[0]).toMatch(/DNS-1123 subdomain/);
  });

  it('checks pod template labels and selectors with the field path', () => {
    const problems = validateObjectNames(
      {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: 'api', namespace: 'shop', annotations: { 'example.com/ok': 'x', '-bad': 'y' } },
        spec: { selector: { matchLabels: { app: 'a b' } }, template: { metadata: { labels: { app: 'x'.repeat(64) } } } },
      },
      'prod/apps/api/Deployment',
    );
    expect(problems.map((p) => [p.field, p.source])).toEqual([
      ['metadata.annotations["-bad"]', 'prod/apps/api/Deployment'],
      ['spec.selector.matchLabels.app', 'prod/apps/api/Deployment'],
      ['spec.template.metadata.labels.app', 'prod/apps/api/Deployment'],
    ]);
  });

  it('knows qualified names and label values', () => {
    expect(checkQualifiedName('app.kubernetes.io/name')).toBeUndefined();
    expect(checkQualifiedName('Example.com/x')).toMatch(/invalid prefix/);
    expect(checkLabelValue('')).toBeUndefined();
    expect(checkLabelValue('a_b.c-d')).toBeUndefined();
    expect(checkLabelValue('-a')).toMatch(/not a valid label value/);
    expect(checkLabelValue(3)).toMatch(/must be a string/);
  });
});
