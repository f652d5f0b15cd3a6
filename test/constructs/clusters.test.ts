import { describe, expect, it } from 'vitest';
import { isClusterSource, Testing } from '../../src/constructs/index.ts';
import { toCanonicalYaml } from '../../src/manifest/index.ts';
import development from '../../clusters/development/index.ts';
import production from '../../clusters/production/index.ts';
import staging from '../../clusters/staging/index.ts';

const clusters = { development, staging, production };

describe('example clusters', () => {
  it.each(Object.entries(clusters))('%s compiles to the snapshot', async (name, cluster) => {
    expect(isClusterSource(cluster)).toBe(true);
    expect(cluster.name).toBe(name);
    const entries = await cluster.synthesize();
    const text = entries.map(({ object, source }) => `# ${source}\n${toCanonicalYaml(object)}`).join('---\n');
    expect(text).toMatchSnapshot();
  });

  it('synthesizes deterministically', async () => {
    for (const cluster of Object.values(clusters)) {
      expect(JSON.stringify(await cluster.synthesize())).toBe(JSON.stringify(await cluster.synthesize()));
    }
  });

  it('names every object by its construct path', async () => {
    for (const [name, cluster] of Object.entries(clusters)) {
      for (const { source } of await cluster.synthesize()) expect(source).toMatch(new RegExp(`^${name}/(base|apps|overlays)/`));
    }
    const sources = (await production.synthesize()).map((entry) => entry.source);
    expect(sources).toContain('production/apps/checkout-api/Deployment');
  });

  it('builds staging and production from one base: same objects, except what the canary replaces', async () => {
    const ids = async (cluster: typeof staging) =>
      (await Testing.synth(cluster)).map((object) => `${object.kind}/${object.metadata.namespace ?? ''}/${object.metadata.name.replace(/-[0-9a-f]{10}$/, '')}`).sort();
    const stagingIds = await ids(staging);
    const productionIds = await ids(production);
    // Production runs checkout-api under Flagger: a Canary instead of the Service Flagger then owns.
    expect(productionIds.filter((id) => !stagingIds.includes(id))).toEqual(['Canary/shop/checkout-api']);
    expect(stagingIds.filter((id) => !productionIds.includes(id))).toEqual(['Service/shop/checkout-api']);
  });

  it('pins every image through the environment lock files', async () => {
    for (const cluster of Object.values(clusters)) {
      for (const object of await Testing.synth(cluster)) {
        for (const match of JSON.stringify(object).matchAll(/"image":"([^"]+)"/g)) expect(match[1]).toMatch(/^ghcr\.io\/acme-shop\/[a-z-]+:[\w.-]+$/);
      }
    }
  });
});
