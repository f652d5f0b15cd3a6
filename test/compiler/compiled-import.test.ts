// The compiler running as JavaScript (a checkout's strata command, the package's dist/) imports
// cluster sources compiled, without a module hook (src/compiler/_compiled-import.ts). Vitest runs
// the compiler from TypeScript, which takes the tsx path (test/compiler/reload.test.ts), so this
// test runs the compiled compiler in a process of its own: repeated synths in that one process
// must see edited construct files and JSON locks, and a graph the compiled path cannot serve (a
// computed import()) must still compile, through tsx.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { FixtureProject, REPO } from './_project.ts';

const cluster = (name: string, importReplicas: string) => `${importReplicas}
import lock from './images.json' with { type: 'json' };

export default {
  name: '${name}',
  synthesize: () => [
    {
      source: '${name}/apps/api/Deployment',
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

const fixture = new FixtureProject({
  // NodeNext style: `./replicas.js` names replicas.ts.
  dev: cluster('dev', "import { replicas } from './replicas.js';"),
  // A computed specifier: only a loader hook can serve it.
  computed: cluster('computed', "const { replicas } = (await import(['./replicas', 'ts'].join('.'))) as { replicas: number };"),
});
afterAll(() => fixture.remove());

const script = `
import { readFileSync, writeFileSync } from 'node:fs';
const { checkoutMain } = await import(${JSON.stringify(pathToFileURL(join(REPO, 'cli', 'bin', '_checkout.js')).href)});
const { synth } = await import(new URL('../src/compiler/synth.js', await checkoutMain()).href);
const root = ${JSON.stringify(fixture.root)};
const seen = [];
for (const [replicas, image, options] of [[2, 'api:1'], [3, 'api:1'], [3, 'api:2'], [4, 'api:3', { typecheck: false, cache: false }], [4, 'api:3', { typecheck: false, cache: false }]]) {
  for (const name of ['dev', 'computed']) {
    writeFileSync(root + '/clusters/' + name + '/replicas.ts', 'export const replicas: number = ' + replicas + ';\\n');
    writeFileSync(root + '/clusters/' + name + '/images.json', JSON.stringify({ api: image }) + '\\n');
  }
  const result = await synth({ root, ...options });
  for (const cluster of result.clusters) {
    const text = readFileSync(root + '/deploy/' + cluster.cluster + '/shop/deployment-api.yaml', 'utf8');
    seen.push(cluster.cluster + ' ' + cluster.action + ' ' + /replicas: (\\d+)/.exec(text)[1] + ' ' + /image: (\\S+)/.exec(text)[1]);
  }
}
console.log(JSON.stringify(seen));
`;

describe('the compiled compiler imports cluster sources without a hook', () => {
  it('sees edited construct files and JSON locks in one process, and falls back to tsx for a computed import()', () => {
    const file = fixture.path('run.mjs');
    writeFileSync(file, script);
    const result = spawnSync(process.execPath, [file], { cwd: fixture.root, encoding: 'utf8', timeout: 170_000 });
    expect(result.stderr).toBe('');
    expect(JSON.parse(result.stdout)).toEqual([
      'computed written 2 api:1',
      'dev written 2 api:1',
      'computed written 3 api:1',
      'dev written 3 api:1',
      'computed written 3 api:2',
      'dev written 3 api:2',
      'computed written 4 api:3',
      'dev written 4 api:3',
      'computed unchanged 4 api:3',
      'dev unchanged 4 api:3',
    ]);
    // dev went the compiled way: one folder per generation (four edits), holding its entry.
    const folders = readdirSync(fixture.path('.cache', 'strata', 'js'));
    expect(folders).toHaveLength(4);
    for (const folder of folders) expect(readdirSync(fixture.path('.cache', 'strata', 'js', folder)).some((name) => name.startsWith('index-'))).toBe(true);
    expect(existsSync(fixture.path('deploy', 'computed', 'index.json'))).toBe(true);
  }, 180_000);
});
