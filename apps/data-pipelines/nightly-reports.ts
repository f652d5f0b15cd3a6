// nightly-reports: sales reports every night. A run must not overlap the next one
// (Forbid), and a run that could not start within ten minutes is skipped rather than
// started late into business hours.
import type { Construct } from 'constructs';
import { DataPipeline, type Environment } from 'strata-gitops';
import { NAMESPACES } from '../../base/namespaces.ts';

export function nightlyReports(scope: Construct, environment: Environment): DataPipeline {
  const settings = environment.component('nightly-reports');
  return new DataPipeline(scope, 'nightly-reports', {
    namespace: NAMESPACES.data,
    partOf: 'shop',
    image: environment.image('nightly-reports'),
    schedule: '15 2 * * *',
    timeZone: 'Europe/Berlin',
    concurrencyPolicy: 'Forbid',
    startingDeadlineSeconds: 600,
    activeDeadlineSeconds: 2 * 3600,
    backoffLimit: 1,
    resources: { requests: { cpu: '250m', memory: '512Mi' }, limits: { memory: '1Gi' } },
    args: ['--report=sales', '--since=24h'],
    env: settings.env,
  });
}
