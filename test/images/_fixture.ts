// A small project for the update tests: image locks and policies for two environments whose
// images live in the test registry, in a real git repository.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { synth } from '../../src/compiler/index.ts';
import type { AgentApi } from '../../src/kube/agent-api.ts';
import type { TestRegistry } from '../registry/registry.ts';

export const CHECKOUT_TAGS = ['1.2.3', '1.3.0-rc.1', 'v1.10.0', 'main-42', 'sha-abc.sig'];
export const WORKER_TAGS = ['main-7', 'main-41', 'main-42', 'latest'];

/** Pushes the fixture images into the registry. */
export async function pushFixtureImages(registry: TestRegistry): Promise<void> {
  await registry.push('shop/checkout-api', CHECKOUT_TAGS);
  await registry.push('shop/worker', WORKER_TAGS);
}

export function git(dir: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd: dir, encoding: 'utf8', env: { ...process.env, GIT_CONFIG_NOSYSTEM: '1' } }).trim();
}

/** The files of the fixture project (path → content). */
export function fixtureFiles(host: string): Record<string, string> {
  return {
    'clusters/development/images.json': `{
  "images": {
    "checkout-api": "${host}/shop/checkout-api:1.2.3",
    "legacy": "ghcr.io/acme-shop/legacy:pinned-by-hand",
    "worker": "${host}/shop/worker:main-41"
  }
}
`,
    'clusters/development/image-policies.json': `${JSON.stringify(
      {
        policies: {
          'checkout-api': { policy: { semver: { range: '>=1.0.0' } } },
          worker: { filterTags: { pattern: '^main-(?P<build>\\d+)$', extract: '$build' }, policy: { numerical: { order: 'asc' } } },
        },
      },
      null,
      2,
    )}\n`,
    'clusters/production/images.json': `{
  "images": {
    "checkout-api": "${host}/shop/checkout-api:1.2.3",
    "worker": "${host}/shop/worker:main-41"
  }
}
`,
    'clusters/production/image-policies.json': `${JSON.stringify(
      {
        policies: {
          'checkout-api': { policy: { semver: { range: '~1.2' } } },
          worker: { filterTags: { pattern: '^main-(\\d+)$', extract: '$1' }, policy: { numerical: {} }, pinDigest: true },
        },
      },
      null,
      2,
    )}\n`,
  };
}

/**
 * A minimal cluster for each environment (a plain ClusterSource, no construct library): one
 * Deployment per locked image, so the real compiler has something to recompile.
 */
export function fixtureClusters(namespace = 'shop'): Record<string, string> {
  const files: Record<string, string> = {
    '.gitignore': '.cache/\n',
    'package.json': '{ "name": "fixture", "private": true, "type": "module" }\n',
    'tsconfig.json': `${JSON.stringify(
      {
        compilerOptions: { target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, noEmit: true, resolveJsonModule: true, skipLibCheck: true, types: [] },
        include: ['clusters'],
      },
      null,
      2,
    )}\n`,
  };
  for (const env of ['development', 'production']) {
    files[`clusters/${env}/index.ts`] = `import lock from './images.json' with { type: 'json' };

const images: Record<string, string> = lock.images;

export default {
  name: '${env}',
  synthesize: () =>
    Object.entries(images).map(([name, image]) => ({
      source: \`${env}/\${name}/Deployment\`,
      object: {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name, namespace: '${namespace}' },
        spec: {
          selector: { matchLabels: { app: name } },
          template: { metadata: { labels: { app: name } }, spec: { containers: [{ name, image }] } },
        },
      },
    })),
};
`;
  }
  return files;
}

/** A git repository holding the fixture project, committed on `main`. */
export function createFixtureRepo(host: string, extra: Record<string, string> = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'strata-images-'));
  writeFiles(dir, { ...fixtureFiles(host), ...extra });
  git(dir, 'init', '--quiet', '--initial-branch=main');
  git(dir, 'config', 'user.name', 'Test Author');
  git(dir, 'config', 'user.email', 'author@example.test');
  git(dir, 'add', '-A');
  git(dir, 'commit', '--quiet', '-m', 'initial');
  return dir;
}

export function writeFiles(dir: string, files: Record<string, string>): void {
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(join(dir, path, '..'), { recursive: true });
    writeFileSync(join(dir, path), content);
  }
}

/** A docker config.json with the registry's credentials (or a wrong password). */
export function writeRegistryConfig(dir: string, registry: TestRegistry, password = registry.password): string {
  const file = join(dir, 'registry-config.json');
  writeFileSync(file, JSON.stringify({ auths: { [registry.host]: { auth: Buffer.from(`${registry.username}:${password}`).toString('base64') } } }));
  return file;
}

/** The fixture project as its authors would commit it (sources and compiled output), in a new folder. */
export async function compiledFixtureProject(registry: TestRegistry, namespace: string, edit: (files: Record<string, string>) => void = () => undefined): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'strata-images-project-'));
  const files = { ...fixtureFiles(registry.host), ...fixtureClusters(namespace) };
  edit(files);
  writeFiles(dir, files);
  await synth({ root: dir, clusters: ['development'] });
  return dir;
}

/** Every file below `dir` (path → content), for pushing to the test Git server. */
export function filesOf(dir: string, root = dir): Record<string, string> {
  const files: Record<string, string> = {};
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (name === '.cache' || name === 'node_modules') continue;
    if (statSync(path).isDirectory()) Object.assign(files, filesOf(path, root));
    else files[relative(root, path)] = readFileSync(path, 'utf8');
  }
  return files;
}

/** The Secret `registry` (kubernetes.io/dockerconfigjson) with the registry's credentials. */
export async function createRegistrySecret(api: AgentApi, namespace: string, registry: TestRegistry): Promise<void> {
  await api.request('POST', `/api/v1/namespaces/${namespace}/secrets`, {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 'registry', namespace },
    type: 'kubernetes.io/dockerconfigjson',
    stringData: { '.dockerconfigjson': JSON.stringify({ auths: { [registry.host]: { auth: Buffer.from(`${registry.username}:${registry.password}`).toString('base64') } } }) },
  });
}
