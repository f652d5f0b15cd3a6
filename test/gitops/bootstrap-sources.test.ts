// The sources bootstrap writes: the generated strata-system.ts and the two lines hooked into
// clusters/<cluster>/index.ts; text in, text out, unchanged on a second run.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ensureSources, hookIntoIndex } from '../../src/gitops/bootstrap-sources.ts';
import { BootstrapError } from '../../src/gitops/errors.ts';

const INDEX = `import { Cluster } from '../../src/constructs/index.ts';
import { layers } from '../../base/index.ts';
import { production } from './profile.ts';

export default new Cluster({
  environment: production,
  layers,
  overlays: [],
});
`;

const roots: string[] = [];
afterEach(() => {
  for (const root of roots.splice(0)) rmSync(root, { recursive: true, force: true });
});

function project(index = INDEX): string {
  const root = mkdtempSync(join(tmpdir(), 'strata-sources-'));
  roots.push(root);
  mkdirSync(join(root, 'clusters', 'production'), { recursive: true });
  writeFileSync(join(root, 'clusters', 'production', 'index.ts'), index);
  return root;
}

const props = { cluster: 'production', url: 'https://git.example.com/infra.git', branch: 'main', defaultImage: 'strata/agent:0.1.0', gitAuth: true, ageKey: false };

describe('bootstrap sources', () => {
  it('adds the import and the layer once', () => {
    const hooked = hookIntoIndex(INDEX) ?? '';
    expect(hooked).toContain("import { production } from './profile.ts';\nimport { strataSystem } from './strata-system.ts';\n");
    expect(hooked).toContain('  layers: { ...layers, strata: [strataSystem] },\n');
    expect(hookIntoIndex(hooked)).toBe(hooked);
    expect(hookIntoIndex(INDEX.replace('  layers,', '  layers: myLayers,'))).toContain('layers: { ...myLayers, strata: [strataSystem] },');
    expect(hookIntoIndex(INDEX.replace('  layers,\n', ''))).toBeUndefined();
  });

  it('writes strata-system.ts and index.ts, then nothing on a second run; a new image changes only strata-system.ts', () => {
    const root = project();
    const first = ensureSources({ ...props, root });
    expect(first.written).toEqual(['clusters/production/strata-system.ts', 'clusters/production/index.ts']);
    const module = readFileSync(join(root, 'clusters/production/strata-system.ts'), 'utf8');
    expect(module).toContain("import { StrataAgent } from '../../src/constructs/agent.ts';");
    expect(module).toContain('image: "strata/agent:0.1.0"');
    expect(module).toContain('"path": "deploy/production"');
    expect(module).toContain('"name": "strata-git-auth"');
    expect(module).not.toContain('decryption');
    expect(ensureSources({ ...props, root }).written).toEqual([]);
    // Without an image, the one in Git is kept (a recovery run must not downgrade the agent).
    expect(ensureSources({ ...props, root, image: 'strata/agent:0.2.0' }).written).toEqual(['clusters/production/strata-system.ts']);
    expect(ensureSources({ ...props, root, defaultImage: 'strata/agent:0.0.9' }).written).toEqual([]);
    expect(readFileSync(join(root, 'clusters/production/strata-system.ts'), 'utf8')).toContain('image: "strata/agent:0.2.0"');
  });

  it('fails naming the lines to add when the layers cannot be found, or when the cluster does not exist', () => {
    const root = project(INDEX.replace('  layers,\n', '  ...settings,\n'));
    expect(() => ensureSources({ ...props, root })).toThrow(BootstrapError);
    expect(() => ensureSources({ ...props, root })).toThrow(/layers: \{ \.\.\.layers, strata: \[strataSystem\] \}/);
    expect(() => ensureSources({ ...props, root, cluster: 'staging' })).toThrow(/clusters\/staging\/index\.ts does not exist/);
  });
});
