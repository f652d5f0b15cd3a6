// A real Git repository in a temporary folder, driven by the git CLI, with compiled output
// written as the compiler writes it (one canonical YAML file per object plus index.json,
// through the shared manifest model).
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { ManifestSet, serializeIndex, type KubeObject } from '../../src/manifest/index.ts';

const execFileAsync = promisify(execFile);

export const GIT_ENV: Readonly<Record<string, string>> = {
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_CONFIG_GLOBAL: '/dev/null',
  GIT_AUTHOR_NAME: 'Alice Author',
  GIT_AUTHOR_EMAIL: 'alice@strata.invalid',
  GIT_COMMITTER_NAME: 'Alice Author',
  GIT_COMMITTER_EMAIL: 'alice@strata.invalid',
  GIT_TERMINAL_PROMPT: '0',
};

export interface TempRepo {
  readonly dir: string;
  git(...args: string[]): Promise<string>;
  /** Replaces `deploy/<cluster>/` with the compiled form of `objects`. */
  writeOutput(cluster: string, objects: readonly KubeObject[]): void;
  /** Replaces `deploy/<cluster>/` with one folder per unit, each with its index.json. */
  writeUnits(cluster: string, units: Readonly<Record<string, readonly KubeObject[]>>): void;
  write(file: string, content: string): void;
  /** Stages everything and commits; returns the commit. */
  commit(message: string, env?: Readonly<Record<string, string>>): Promise<string>;
  dispose(): void;
}

export async function tempRepo(options: { bare?: boolean } = {}): Promise<TempRepo> {
  const dir = mkdtempSync(join(tmpdir(), 'strata-gitops-'));
  const git = async (...args: string[]): Promise<string> => {
    const { stdout } = await execFileAsync('git', ['-c', 'commit.gpgsign=false', ...args], { cwd: dir, env: { ...process.env, ...GIT_ENV } });
    return stdout.trim();
  };
  await git('init', '--quiet', '--initial-branch=main', ...(options.bare ? ['--bare'] : []));
  if (!options.bare) {
    await git('config', 'user.name', 'Alice Author');
    await git('config', 'user.email', 'alice@strata.invalid');
  }
  const repo: TempRepo = {
    dir,
    git,
    writeOutput(cluster, objects) {
      const folder = join(dir, 'deploy', cluster);
      rmSync(folder, { recursive: true, force: true });
      const set = ManifestSet.fromObjects(objects);
      for (const entry of set.entries) {
        mkdirSync(dirname(join(folder, entry.file)), { recursive: true });
        writeFileSync(join(folder, entry.file), entry.text);
      }
      mkdirSync(folder, { recursive: true });
      writeFileSync(join(folder, 'index.json'), serializeIndex(set.index(cluster)));
    },
    writeUnits(cluster, units) {
      const folder = join(dir, 'deploy', cluster);
      rmSync(folder, { recursive: true, force: true });
      for (const [unit, objects] of Object.entries(units)) {
        const set = ManifestSet.fromObjects(objects);
        for (const entry of set.entries) {
          mkdirSync(dirname(join(folder, unit, entry.file)), { recursive: true });
          writeFileSync(join(folder, unit, entry.file), entry.text);
        }
        mkdirSync(join(folder, unit), { recursive: true });
        writeFileSync(join(folder, unit, 'index.json'), serializeIndex(set.index(cluster, unit)));
      }
    },
    write(file, content) {
      mkdirSync(dirname(join(dir, file)), { recursive: true });
      writeFileSync(join(dir, file), content);
    },
    async commit(message, env = {}) {
      await git('add', '--all');
      const { stdout } = await execFileAsync('git', ['-c', 'commit.gpgsign=false', 'commit', '--quiet', '-m', message], { cwd: dir, env: { ...process.env, ...GIT_ENV, ...env } });
      void stdout;
      return git('rev-parse', 'HEAD');
    },
    dispose() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return repo;
}

export function configMap(namespace: string, name: string, data: Record<string, string>): KubeObject {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace }, data };
}

export function namespaceObject(name: string): KubeObject {
  return { apiVersion: 'v1', kind: 'Namespace', metadata: { name } };
}
