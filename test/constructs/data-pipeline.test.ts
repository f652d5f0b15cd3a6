import { describe, expect, it } from 'vitest';
import { ConstructValidationError, DataPipeline, Testing } from '../../src/constructs/index.ts';
import { at } from './_fixtures.ts';

const props = { namespace: 'data', image: 'ghcr.io/acme/etl:1.0.0' };

describe('DataPipeline', () => {
  it('is a CronJob with safe defaults when scheduled', () => {
    const [cronJob, ...rest] = Testing.objects((scope) => new DataPipeline(scope, 'etl', { ...props, schedule: '0 3 * * *' }));
    expect(rest).toEqual([]);
    expect(cronJob!.kind).toBe('CronJob');
    expect(cronJob!.spec).toMatchObject({
      schedule: '0 3 * * *',
      timeZone: 'Etc/UTC',
      concurrencyPolicy: 'Forbid',
      startingDeadlineSeconds: 300,
      successfulJobsHistoryLimit: 3,
      failedJobsHistoryLimit: 3,
      jobTemplate: { spec: { backoffLimit: 2, activeDeadlineSeconds: 3600, template: { spec: { restartPolicy: 'Never' } } } },
    });
    expect(at(cronJob, 'spec', 'jobTemplate', 'spec', 'template', 'spec', 'containers', 0, 'resources')).toEqual({
      requests: { cpu: '100m', memory: '256Mi' },
      limits: { memory: '512Mi' },
    });
    expect(cronJob).toMatchSnapshot();
  });

  it('is a Job without a schedule', () => {
    const [job] = Testing.objects((scope) => new DataPipeline(scope, 'backfill', { ...props, activeDeadlineSeconds: 600, backoffLimit: 0 }));
    expect(job!.kind).toBe('Job');
    expect(job!.spec).toMatchObject({ activeDeadlineSeconds: 600, backoffLimit: 0, ttlSecondsAfterFinished: 86400 });
  });

  it('rejects a schedule that is not cron', () => {
    expect(() => Testing.cluster((scope) => new DataPipeline(scope, 'etl', { ...props, schedule: 'every day' })).synthesize()).toThrow(ConstructValidationError);
  });
});

describe('DataPipeline egress', () => {
  it('opens egress to named peers with a NetworkPolicy of its own', () => {
    const objects = Testing.objects((scope) => new DataPipeline(scope, 'etl', { ...props, schedule: '@daily', allowEgressTo: [{ namespace: 'shop', app: 'api' }, { cidr: '10.0.0.0/8' }] }));
    expect(objects.map((object) => object.kind)).toEqual(['NetworkPolicy', 'CronJob']);
    expect(Testing.find(objects, 'NetworkPolicy', 'etl').spec).toEqual({
      podSelector: { matchLabels: { 'app.kubernetes.io/name': 'etl' } },
      policyTypes: ['Egress'],
      egress: [
        {
          to: [
            { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'shop' } }, podSelector: { matchLabels: { 'app.kubernetes.io/name': 'api' } } },
            { ipBlock: { cidr: '10.0.0.0/8' } },
          ],
        },
      ],
    });
  });
});
