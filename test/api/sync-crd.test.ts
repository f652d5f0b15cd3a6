// The agent's CRDs as compiled must be what the apiserver stores: a field the apiserver
// normalises away (a default such as a printer column's `priority: 0`) makes the live
// object differ from the compiled one forever, so diff and drift would never settle.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManifestSet, type KubeObject } from '../../src/manifest/index.ts';
import type { KubeClient } from '../../src/kube/client.ts';
import { diffLive } from '../../src/engine/diff.ts';
import { IMAGE_UPDATE_CRD } from '../../src/api/image-update.ts';
import { SYNC_CRD } from '../../src/api/sync.ts';
import { engineClient } from '../engine/_engine.ts';

let client: KubeClient;

beforeAll(async () => {
  client = await engineClient();
});
afterAll(() => {
  client?.close();
});

/** Paths of `desired` whose value `stored` lacks or holds differently (arrays element by element). */
function missingIn(desired: unknown, stored: unknown, path = ''): string[] {
  if (desired !== null && typeof desired === 'object') {
    if (stored === null || typeof stored !== 'object' || Array.isArray(desired) !== Array.isArray(stored)) return [path];
    const s = stored as Record<string, unknown>;
    return Object.entries(desired as Record<string, unknown>).flatMap(([key, value]) => missingIn(value, s[key], Array.isArray(desired) ? `${path}[${key}]` : `${path}.${key}`));
  }
  return desired === stored ? [] : [path];
}

/** What the apiserver would store for `crd` (dry-run apply: nothing written). */
async function stored(crd: KubeObject): Promise<KubeObject> {
  return (await client.apply(crd, { fieldManager: 'strata-crd-test', force: true, dryRun: true })).object;
}

describe.each([
  ['Sync', SYNC_CRD],
  ['ImageUpdate', IMAGE_UPDATE_CRD],
])('the %s CRD', (_kind, crd) => {
  it('is stored exactly as compiled: no field the apiserver drops or rewrites', async () => {
    const live = await stored(crd);
    expect(missingIn(crd.spec, live.spec, 'spec')).toEqual([]);
  });

  it('shows no change in the live diff once applied', async () => {
    await client.apply(crd, { fieldManager: 'strata', force: true });
    const result = await diffLive(client, ManifestSet.fromObjects([crd]));
    expect(result.entries.map((entry) => `${entry.action} ${entry.subject}${entry.message ? `: ${entry.message}` : ''}`)).toEqual([`none CustomResourceDefinition/${crd.metadata.name}`]);
    expect(result.changed).toBe(false);
  });
});

it('the check above sees a default the apiserver drops', async () => {
  const versions = (SYNC_CRD.spec as { versions: { additionalPrinterColumns: Record<string, unknown>[] }[] }).versions;
  const withDefault = structuredClone(SYNC_CRD);
  (withDefault.spec as typeof SYNC_CRD.spec & { versions: typeof versions }).versions[0]!.additionalPrinterColumns[0]!.priority = 0;
  expect(missingIn(withDefault.spec, (await stored(withDefault)).spec, 'spec')).toEqual(['spec.versions[0].additionalPrinterColumns[0].priority']);
});
