// Data pipelines: scheduled batch work, built on the DataPipeline archetype
// (a CronJob when it has a schedule, a one-off Job when it has none).
import type { ComponentBuilder } from 'strata-gitops';
import { nightlyReports } from './nightly-reports.ts';
import { searchReindex } from './search-reindex.ts';

export const dataPipelines: readonly ComponentBuilder[] = [nightlyReports, searchReindex];
