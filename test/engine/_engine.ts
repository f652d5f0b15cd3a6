/** Test helpers for the apply engine: a KubeClient of the shared test cluster, YAML fixtures. */
import { afterAll, beforeAll } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { ManifestSet, type KubeObject } from '../../src/manifest/index.ts';
import { KubeClient } from '../../src/kube/client.ts';
import { testKubeConfig } from '../cluster/context.ts';
import type { TestUser } from '../cluster/kubeconfig.ts';
import { createTestNamespace, type TestNamespace } from '../cluster/namespace.ts';

export async function engineClient(user: TestUser = 'admin'): Promise<KubeClient> {
  return KubeClient.fromKubeConfig(testKubeConfig(user));
}

export interface EngineNamespace {
  /** An admin client of the test cluster. */
  readonly client: KubeClient;
  /** A namespace of this test file's own, deleted after its tests. */
  readonly ns: TestNamespace;
}

/**
 * The setup of an engine test file: registers `beforeAll` (client, namespace `<prefix>-…`)
 * and `afterAll` (delete the namespace, close the client); read the fields inside tests.
 */
export function engineNamespace(prefix: string): EngineNamespace {
  let client: KubeClient | undefined;
  let ns: TestNamespace | undefined;
  beforeAll(async () => {
    client = await engineClient();
    ns = await createTestNamespace(testKubeConfig(), prefix);
  });
  afterAll(async () => {
    await ns?.delete();
    client?.close();
  });
  const ready = <T>(value: T | undefined, what: string): T => {
    if (value === undefined) throw new Error(`engineNamespace(${prefix}): the ${what} is made in beforeAll; read it inside a test`);
    return value;
  };
  return {
    get client() {
      return ready(client, 'client');
    },
    get ns() {
      return ready(ns, 'namespace');
    },
  };
}

/** A ConfigMap `settings` in `$NS`, as a YAML document. */
export const SETTINGS_CONFIG_MAP = `apiVersion: v1
kind: ConfigMap
metadata: { name: settings, namespace: $NS }
data: { level: info }`;

/** A Deployment `web` of one nginx replica in `$NS`, as a YAML document. */
export const WEB_DEPLOYMENT = `apiVersion: apps/v1
kind: Deployment
metadata: { name: web, namespace: $NS }
spec:
  replicas: 1
  selector: { matchLabels: { app: web } }
  template:
    metadata: { labels: { app: web } }
    spec: { containers: [{ name: web, image: nginx:1.27 }] }`;

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
