import { writeFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { TypeScriptError, clusterEntry, projectLayout, typeCheck, type TypeCheckOptions } from '../../src/compiler/index.ts';
import { FixtureProject } from './_project.ts';

// The native compiler (TypeScript 7) checks by default; TypeScript 5.9's API ('js') is the
// fallback. Both must report the same diagnostics, positioned and worded alike, and see the
// same program files (the compile cache fingerprints them).
const projects: FixtureProject[] = [];
afterEach(() => {
  for (const created of projects.splice(0)) created.remove();
});

function project(clusters: Record<string, string>): FixtureProject {
  const created = new FixtureProject(clusters);
  projects.push(created);
  return created;
}

async function check(fixture: FixtureProject, options: TypeCheckOptions) {
  const layout = projectLayout(fixture.root);
  return typeCheck(layout, ['dev'].map((name) => clusterEntry(layout, name)), { cache: false, ...options });
}

async function messageOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(TypeScriptError);
    return (error as Error).message;
  }
  throw new Error('expected a TypeScript error');
}

const BROKEN = [
  "import { port } from './settings.ts';",
  "import { missing } from './nowhere.ts';",
  "const replicas: number = 'two';",
  'interface Probe { readonly http: { readonly path: string; readonly port: number } }',
  "const probe: Probe = { http: { path: '/healthz' } };",
  "const loose = { http: { path: 1, port: 80 } };",
  'const strict: Probe = loose;',
  "export default { name: 'dev', synthesize: () => [], replicas, probe, strict, port: port.toFixed(), missing };",
  '',
].join('\n');

describe('typeCheck', () => {
  it('reports the same file:line:column diagnostics with the native compiler as with TypeScript 5.9', async () => {
    const fixture = project({ dev: BROKEN });
    writeFileSync(fixture.path('clusters', 'dev', 'settings.ts'), "export const port: string = 8080;\n");
    const native = await messageOf(check(fixture, { checker: 'native' }));
    const js = await messageOf(check(fixture, { checker: 'js' }));
    expect(native).toContain("clusters/dev/index.ts:3:7: error TS2322: Type 'string' is not assignable to type 'number'.");
    expect(native).toContain("clusters/dev/index.ts:2:25: error TS2307: Cannot find module './nowhere.ts'");
    expect(native).toContain("clusters/dev/settings.ts:1:14: error TS2322: Type 'number' is not assignable to type 'string'.");
    expect(native).toContain("clusters/dev/index.ts:5:24: error TS2741: Property 'port' is missing in type");
    // A chained message keeps its indented further lines.
    expect(native).toMatch(/clusters\/dev\/index\.ts:7:7: error TS2322: Type '.*' is not assignable to type 'Probe'\.\n {2}The types of 'http\.path' are incompatible between these types\.\n {4}Type 'number' is not assignable to type 'string'\./);
    expect(native).toBe(js);
  }, 300_000);

  it('sees the same program files with both compilers and records which one checked', async () => {
    const fixture = project({ dev: "import { port } from './settings.ts';\nexport default { name: 'dev', synthesize: () => [], port };\n" });
    writeFileSync(fixture.path('clusters', 'dev', 'settings.ts'), 'export const port = 8080;\n');
    const js = await check(fixture, { checker: 'js' });
    const native = await check(fixture, { checker: 'native' });
    expect(native.checker).toMatch(/^native 7\./);
    expect(js.checker).toMatch(/^js 5\./);
    expect(native.files).toEqual([fixture.path('clusters', 'dev', 'index.ts'), fixture.path('clusters', 'dev', 'settings.ts')]);
    expect(js.files).toEqual(native.files);
    // The last check's record serves an unchanged second check, naming its compiler.
    expect(await typeCheck(projectLayout(fixture.root), [clusterEntry(projectLayout(fixture.root), 'dev')])).toMatchObject({ cached: true, checker: native.checker, fingerprint: native.fingerprint });
  }, 300_000);

  it('falls back to TypeScript 5.9 for a tsconfig option TypeScript 7 removed, and still finds errors', async () => {
    const fixture = project({ dev: "const replicas: number = 'two';\nexport default { name: 'dev', synthesize: () => [], replicas };\n" });
    writeFileSync(fixture.path('tsconfig.json'), JSON.stringify({ extends: '../../tsconfig.json', compilerOptions: { baseUrl: '.' } }));
    const message = await messageOf(check(fixture, {}));
    expect(message).toBe("1 TypeScript error:\n  clusters/dev/index.ts:1:7: error TS2322: Type 'string' is not assignable to type 'number'.");
    fixture.setCluster('dev', "export default { name: 'dev', synthesize: () => [] };\n");
    expect((await check(fixture, {})).checker).toMatch(/^js 5\./);
  }, 300_000);
});
