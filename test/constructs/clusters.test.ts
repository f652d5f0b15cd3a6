import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { isClusterSource, Testing } from '../../src/constructs/index.ts';
import { toCanonicalYaml } from '../../src/manifest/index.ts';
import development from '../../clusters/development/index.ts';
import production from '../../clusters/production/index.ts';
import staging from '../../clusters/staging/index.ts';

const clusters = { development, staging, production };
const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');

describe('example clusters', () => {
  it.each(Object.entries(clusters))('%s compiles to the snapshot', async (name, cluster) => {
    expect(isClusterSource(cluster)).toBe(true);
    expect(cluster.name).toBe(name);
    const entries = await cluster.synthesize();
    // The charts' CRDs are megabytes of upstream schema: a digest stands for each (deploy/ has them whole).
    const text = entries
      .map(({ object, source }) => `# ${source}\n${object.kind === 'CustomResourceDefinition' ? `# ${object.metadata.name}: sha256:${sha256(toCanonicalYaml(object))}\n` : toCanonicalYaml(object)}`)
      .join('---\n');
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

  it('builds staging and production from one base: same objects, except what the canary replaces and Flagger', async () => {
    const ids = async (cluster: typeof staging) =>
      (await Testing.synth(cluster)).map((object) => `${object.kind}/${object.metadata.namespace ?? ''}/${object.metadata.name.replace(/-[0-9a-f]{10}$/, '')}`).sort();
    const stagingIds = await ids(staging);
    const productionIds = await ids(production);
    const onlyProduction = productionIds.filter((id) => !stagingIds.includes(id));
    // Production runs checkout-api under Flagger: a Canary instead of the Service Flagger then owns,
    // and Flagger itself (the `canary` feature), from its chart; staging's certificates come from
    // Let's Encrypt's staging endpoint, so its ClusterIssuer has another name; production migrates
    // checkout-api's database in a pre-apply hook Job.
    expect(onlyProduction.filter((id) => !id.includes('flagger'))).toEqual(['Canary/shop/checkout-api', 'ClusterIssuer//letsencrypt', 'Job/shop/checkout-api-migrate']);
    expect(onlyProduction).toContain('Deployment/flagger-system/flagger');
    expect(onlyProduction).toContain('CustomResourceDefinition//canaries.flagger.app');
    expect(stagingIds.filter((id) => !productionIds.includes(id))).toEqual(['ClusterIssuer//letsencrypt-staging', 'Service/shop/checkout-api']);
  });

  it('pins every image: apps through the environment lock files, third-party software by its chart version', async () => {
    for (const cluster of Object.values(clusters)) {
      for (const { object, source } of await cluster.synthesize()) {
        for (const match of JSON.stringify(object).matchAll(/"image":"([^"]+)"/g)) {
          if (source?.includes('/apps/')) expect(match[1]).toMatch(/^ghcr\.io\/acme-shop\/[a-z-]+:[\w.-]+$/);
          else expect(match[1], source).toMatch(/^[a-z0-9.-]+\.[a-z]+\/[\w./-]+:v?\d+\.\d+\.\d+(@sha256:[0-9a-f]{64})?$/);
        }
      }
    }
  });
});
