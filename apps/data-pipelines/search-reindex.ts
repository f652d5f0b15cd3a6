// search-reindex: rebuilds the search index from the catalogue every hour. If a run
// is still going when the next is due, the newer run replaces it (fresher data wins).
import type { Construct } from 'constructs';
import { DataPipeline, type Environment } from 'strata-gitops';
import { NAMESPACES } from '../../base/namespaces.ts';

export function searchReindex(scope: Construct, environment: Environment): DataPipeline {
  const settings = environment.component('search-reindex');
  return new DataPipeline(scope, 'search-reindex', {
    namespace: NAMESPACES.data,
    partOf: 'shop',
    image: environment.image('search-reindex'),
    schedule: '0 * * * *',
    concurrencyPolicy: 'Replace',
    activeDeadlineSeconds: 50 * 60,
    resources: settings.resources,
    env: { ...settings.env, CATALOG_URL: 'http://catalog-api.shop' },
    // The data namespace is default-deny: open the one connection the job needs
    // (catalog-api admits the data namespace on its side).
    allowEgressTo: settings.features.networkPolicies ? [{ namespace: NAMESPACES.shop, app: 'catalog-api' }] : [],
  });
}
