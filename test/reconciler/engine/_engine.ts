/** Test helpers for the apply engine: a KubeClient of the shared test cluster, YAML fixtures. */
import { parseAllDocuments } from 'yaml';
import { ManifestSet, type KubeObject } from '../../../src/manifest/index.ts';
import { KubeClient } from '../../../src/reconciler/client.ts';
import { testKubeConfig } from '../../cluster/context.ts';
import type { TestUser } from '../../cluster/kubeconfig.ts';

export async function engineClient(user: TestUser = 'admin'): Promise<KubeClient> {
  return KubeClient.fromKubeConfig(testKubeConfig(user));
}

/** Objects from YAML documents; `$NS` is replaced by the test's namespace. */
export function objects(yaml: string, namespace: string): KubeObject[] {
  return parseAllDocuments(yaml.replaceAll('$NS', namespace))
    .map((document) => document.toJS() as KubeObject | null)
    .filter((object): object is KubeObject => object !== null);
}

export function manifestSet(yaml: string, namespace: string): ManifestSet {
  return ManifestSet.fromObjects(objects(yaml, namespace));
}

export const OWNER = { 'strata.dev/name': 'engine-test', 'strata.dev/namespace': 'strata-system' } as const;

export function actions(changeSet: { readonly entries: readonly { subject: string; action: string }[] }): Record<string, string> {
  return Object.fromEntries(changeSet.entries.map((entry) => [entry.subject, entry.action]));
}
