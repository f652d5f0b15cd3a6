import { describe, expect, it } from 'vitest';
import { objectProblems } from '../../src/compiler/compile.ts';

describe('compile: strata.dev/ignore-fields', () => {
  it('refuses an entry that is not a JSON pointer, naming the object, the annotation and the construct', () => {
    const object = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web', namespace: 'shop', annotations: { 'strata.dev/ignore-fields': '/spec/replicas,spec.template' } },
      spec: {},
    };
    expect(objectProblems([{ object, source: 'dev/apps/web/Deployment' }])).toEqual([
      {
        source: 'dev/apps/web/Deployment',
        ref: { group: 'apps', version: 'v1', kind: 'Deployment', namespace: 'shop', name: 'web' },
        field: 'metadata.annotations["strata.dev/ignore-fields"]',
        message: '"spec.template" is not a JSON pointer: it must start with / (e.g. /spec/replicas)',
      },
    ]);
  });
});
