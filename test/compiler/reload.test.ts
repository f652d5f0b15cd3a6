import { readFileSync, writeFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { synth } from '../../src/compiler/index.ts';
import { FixtureProject } from './_project.ts';

// A cluster whose objects come from a module of its own and a JSON lock, as the example's
// image locks do: editing either must show in the next synth of the same process.
const cluster = `import { replicas } from './replicas.ts';
import lock from './images.json' with { type: 'json' };

export default {
  name: 'dev',
  synthesize: () => [
    {
      source: 'dev/apps/api/Deployment',
      object: {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: 'api', namespace: 'shop' },
        spec: {
          replicas,
          selector: { matchLabels: { app: 'api' } },
          template: { metadata: { labels: { app: 'api' } }, spec: { containers: [{ name: 'api', image: lock.api }] } },
        },
      },
    },
  ],
};
`;

const fixture = new FixtureProject({ dev: cluster });
const replicasFile = fixture.path('clusters', 'dev', 'replicas.ts');
const lockFile = fixture.path('clusters', 'dev', 'images.json');
const deployment = fixture.path('deploy', 'dev', 'shop', 'deployment-api.yaml');
afterAll(() => fixture.remove());

function write(replicas: number, image: string): void {
  writeFileSync(replicasFile, `export const replicas: number = ${replicas};\n`);
  writeFileSync(lockFile, `${JSON.stringify({ api: image })}\n`);
}

describe('repeated synth in one process', () => {
  it('compiles the current construct files and JSON locks, not the first ones loaded', async () => {
    write(2, 'ghcr.io/acme/api:1.0.0');
    await synth({ root: fixture.root });
    expect(readFileSync(deployment, 'utf8')).toMatch(/replicas: 2\n[^]*image: ghcr\.io\/acme\/api:1\.0\.0/);

    write(3, 'ghcr.io/acme/api:1.0.0');
    expect((await synth({ root: fixture.root })).clusters[0]?.action).toBe('written');
    expect(readFileSync(deployment, 'utf8')).toContain('replicas: 3\n');

    write(3, 'ghcr.io/acme/api:2.0.0');
    expect((await synth({ root: fixture.root })).clusters[0]?.action).toBe('written');
    expect(readFileSync(deployment, 'utf8')).toContain('image: ghcr.io/acme/api:2.0.0');

    // Without the type-check (and so without the output cache) the loader alone must notice.
    write(4, 'ghcr.io/acme/api:3.0.0');
    await synth({ root: fixture.root, typecheck: false, cache: false });
    const text = readFileSync(deployment, 'utf8');
    expect(text).toContain('replicas: 4\n');
    expect(text).toContain('image: ghcr.io/acme/api:3.0.0');
  }, 180_000);

  it('an unchanged recompile reuses the loaded modules and writes nothing', async () => {
    const again = await synth({ root: fixture.root, typecheck: false, cache: false });
    expect(again.clusters[0]?.action).toBe('unchanged');
  }, 60_000);
});
