import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Construct } from 'constructs';
import { addObjects } from './_children.ts';
import { HelmError, HelmToolError } from './errors.ts';
import { toolsCache } from './helm-tool.ts';
import { readObjects } from './manifests.ts';
import { pinnedPath } from './vendored.ts';

export interface KustomizationProps {
  /** The kustomize folder (holding kustomization.yaml), relative to the project root. */
  readonly path: string;
  /** The folder's tree digest, `sha256:…` (a wrong one fails with the actual digest in the message). */
  readonly digest: string;
}

/**
 * An existing kustomize folder, built at compile time by the pinned kustomize (`kustomize
 * build`, the v5 the benchmark builds from test/cluster/tools/kubernetes/go.mod) and pinned by
 * the folder's tree digest; the objects become ordinary children of the construct tree. Only
 * the folder itself is pinned: point `resources` at files inside it, not at remote URLs.
 */
export class Kustomization extends Construct {
  readonly apiObjects;

  constructor(scope: Construct, id: string, props: KustomizationProps) {
    super(scope, id);
    const dir = pinnedPath(this.node.path, props.path, props.digest, '(kustomize folder: check the change, then pin the new digest in the Kustomization props)');
    const result = spawnSync(kustomizeBinary(), ['build', dir], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
    if (result.status !== 0) throw new HelmError(this.node.path, `kustomize build ${props.path} failed: ${result.stderr.trim()}`);
    this.apiObjects = addObjects(this, readObjects(props.path, result.stdout));
  }
}

const MODULE_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'test', 'cluster', 'tools', 'kubernetes');
const PACKAGE = 'sigs.k8s.io/kustomize/kustomize/v5';

/** `$STRATA_KUSTOMIZE`, else the pinned kustomize, built once into the tools cache. */
export function kustomizeBinary(): string {
  const explicit = process.env['STRATA_KUSTOMIZE'];
  if (explicit) return resolve(explicit);
  const [goMod, goSum] = ['go.mod', 'go.sum'].map((file) => readFileSync(join(MODULE_DIR, file), 'utf8'));
  // The test tools' build of the same module (test/cluster/tools.ts keys it the same way), when there is one.
  const tools = createHash('sha256');
  for (const part of ['strata-tools-1', `${process.platform}/${process.arch}`, goMod!, goSum!]) tools.update(part).update('\0');
  const shared = join(toolsCache(), `kubernetes-${tools.digest('hex').slice(0, 16)}`, 'bin', 'kustomize');
  if (existsSync(shared)) return shared;
  const own = createHash('sha256').update(`${process.platform}/${process.arch}`).update('\0').update(goMod!).update('\0').update(goSum!);
  const binary = join(toolsCache(), `kustomize-${own.digest('hex').slice(0, 16)}`, 'bin', 'kustomize');
  if (existsSync(binary)) return binary;
  process.stderr.write(`strata: building kustomize (${PACKAGE}, pinned in test/cluster/tools/kubernetes/go.mod) into ${dirname(binary)}; once per machine\n`);
  mkdirSync(dirname(binary), { recursive: true });
  const temp = `${binary}.${process.pid}.tmp`;
  const build = spawnSync('go', ['build', '-trimpath', '-o', temp, PACKAGE], { cwd: MODULE_DIR, stdio: ['ignore', 'inherit', 'inherit'], env: { ...process.env, GOFLAGS: '-mod=readonly -buildvcs=false' } });
  if (build.error || build.status !== 0) throw new HelmToolError(`go build ${PACKAGE} failed (${build.error?.message ?? `exit ${build.status}`}); install Go 1.24+ or set STRATA_KUSTOMIZE`);
  if (!existsSync(binary)) renameSync(temp, binary);
  return binary;
}
