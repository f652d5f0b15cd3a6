import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SchemaValidator } from '../../src/compiler/index.ts';
import { REPO } from './_project.ts';

const deployment = (replicas: unknown) => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'api', namespace: 'shop' },
  spec: { replicas, selector: { matchLabels: { app: 'api' } }, template: { metadata: { labels: { app: 'api' } }, spec: { containers: [{ name: 'api', image: 'x' }] } } },
});

describe('SchemaValidator', () => {
  it('names file, object, JSON path and construct of a schema violation', async () => {
    const validator = new SchemaValidator();
    const problems = await validator.validate([{ object: deployment('two'), file: 'deploy/prod/shop/deployment-api.yaml', source: 'prod/apps/api/Deployment' }]);
    expect(problems.map((p) => [p.file, p.ref.name, p.field, p.message, p.source])).toEqual([['deploy/prod/shop/deployment-api.yaml', 'api', 'spec.replicas', 'must be integer', 'prod/apps/api/Deployment']]);
    expect(await validator.validate([{ object: deployment(2), file: 'f', source: 's' }])).toEqual([]);
  });

  it('validates custom objects against the imported CRD schemas, and reports kinds without a schema', async () => {
    const validator = new SchemaValidator({ crdDirs: [join(REPO, 'src', 'constructs', 'imports', 'crds')] });
    const monitor = { apiVersion: 'monitoring.coreos.com/v1', kind: 'ServiceMonitor', metadata: { name: 'api', namespace: 'shop' }, spec: { selector: {}, endpoints: [{ port: 8080 }] } };
    const problems = await validator.validate([
      { object: monitor, file: 'f.yaml', source: 'c/monitor' },
      { object: { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' } }, file: 'w.yaml', source: 'c/widget' },
    ]);
    expect(problems.map((p) => [p.field, p.message])).toEqual([
      ['spec.endpoints[0].port', 'must be string'],
      ['apiVersion', 'no schema known for example.com/v1 Widget (add its CRD under src/constructs/imports/crds/)'],
    ]);
  });
});
