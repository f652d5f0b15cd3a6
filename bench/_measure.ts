// One measurement, run in its own process so its peak memory (max RSS) is its own.
// Usage: tsx bench/_measure.ts <mode> <objects> <workdir>; prints one JSON line.
//   cdk8s          stock `App.synth()` of the fleet's construct tree (YAML via the `yaml` library, one file per chart)
//   cdk8s-per-resource  the same with YamlOutputType.FILE_PER_RESOURCE (one file per object, like Strata)
//   strata         Strata's synthesis of the same tree as `strata synth` does it: construct validations, toJson,
//                  name/metadata and plaintext-Secret checks, canonical YAML, one file per object, index.json
//   strata-overlay Strata end to end with an overlay (namespace, name prefix, labels, image tag, replicas)
//   base           writes the fleet's objects as a kustomize base (not timed)
//   project        writes a Strata project compiling the fleet (not timed)
//   compile        `synth()` of that project (cold with --cold, else using the caches; --no-typecheck: no type-check, no caches)
// Usage: tsx bench/_measure.ts <mode> <objects> <output dir> <projects dir> [--cold]
import { YamlOutputType } from 'cdk8s';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { synth } from '../src/compiler/index.ts';
import { syncDirectory } from '../src/compiler/write.ts';
import { filesOf, objectProblems } from '../src/compiler/compile.ts';
import { synthesizeTree } from '../src/constructs/_synthesize.ts';
import { fleet } from '../src/constructs/index.ts';
import { ManifestSet } from '../src/manifest/index.ts';
import { FLEET_NAME, fleetOverlays, kustomization, overlayKustomization } from './fleet-overlay.ts';

const [mode = '', countText = '1000', workdir = '/tmp/strata-bench', projects = '/tmp/strata-bench-projects', flag] = process.argv.slice(2);
const objects = Number(countText);

let cpuAtStart = process.cpuUsage();
let childrenAtStart = childrenCpuMs();

/**
 * CPU time of the child processes this process waited for (the native type-checker), in ms:
 * cutime + cstime of /proc/self/stat (clock ticks of 10 ms); 0 where there is no /proc.
 */
function childrenCpuMs(): number {
  try {
    const fields = readFileSync('/proc/self/stat', 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[13]) + Number(fields[14])) * 10;
  } catch {
    return 0;
  }
}

/** Starts the clock: wall time and this process's CPU time (user + system, all threads, and waited-for children). */
function start(): number {
  cpuAtStart = process.cpuUsage();
  childrenAtStart = childrenCpuMs();
  return performance.now();
}

function report(result: Record<string, unknown>): void {
  const cpu = process.cpuUsage(cpuAtStart);
  const cpuMs = (cpu.user + cpu.system) / 1000 + (childrenCpuMs() - childrenAtStart);
  process.stdout.write(`${JSON.stringify({ ...result, cpuMs, maxRssKiB: process.resourceUsage().maxRSS })}\n`);
}

async function main(): Promise<void> {
  const out = join(workdir, `${mode}-${objects}`);
  if (mode !== 'compile') rmSync(out, { recursive: true, force: true });
  switch (mode) {
    case 'cdk8s':
    case 'cdk8s-per-resource': {
      const built = performance.now();
      const app = fleet({ objects, name: FLEET_NAME }).app();
      const treeMs = performance.now() - built;
      // The construct library's App writes to 'dist'; point it at the benchmark's folder.
      // cdk8s-per-resource: stock cdk8s with YamlOutputType.FILE_PER_RESOURCE, Strata's output shape.
      const settable = app as unknown as { outdir: string; yamlOutputType: YamlOutputType };
      settable.outdir = out;
      if (mode === 'cdk8s-per-resource') settable.yamlOutputType = YamlOutputType.FILE_PER_RESOURCE;
      const started = start();
      app.synth();
      report({ ms: performance.now() - started, treeMs });
      return;
    }
    case 'strata': {
      const built = performance.now();
      const app = fleet({ objects, name: FLEET_NAME }).app();
      const treeMs = performance.now() - built;
      const started = start();
      const { resources, problems } = synthesizeTree(app);
      if (problems.length > 0 || objectProblems(resources).length > 0) throw new Error('the fleet has problems');
      const set = ManifestSet.of(resources);
      await syncDirectory(join(out, FLEET_NAME), filesOf(FLEET_NAME, set));
      report({ ms: performance.now() - started, treeMs, objects: set.size });
      return;
    }
    case 'strata-overlay': {
      const started = start();
      const inputs = fleet({ objects, name: FLEET_NAME, overlays: fleetOverlays(objects) }).synthesize();
      if (objectProblems(inputs).length > 0) throw new Error('the fleet has problems');
      const set = ManifestSet.of(inputs);
      await syncDirectory(join(out, FLEET_NAME), filesOf(FLEET_NAME, set));
      report({ ms: performance.now() - started, objects: set.size });
      return;
    }
    case 'base': {
      const set = ManifestSet.of(fleet({ objects, name: FLEET_NAME }).synthesize());
      const base = join(workdir, `kustomize-${objects}`, 'base');
      const files = filesOf(FLEET_NAME, set);
      files.delete('index.json');
      await syncDirectory(base, files);
      writeFileSync(join(base, 'kustomization.yaml'), kustomization([...files.keys()]));
      const overlay = join(workdir, `kustomize-${objects}`, 'overlay');
      mkdirSync(overlay, { recursive: true });
      writeFileSync(join(overlay, 'kustomization.yaml'), overlayKustomization(relative(overlay, base), objects));
      report({ ms: 0, objects: set.size });
      return;
    }
    case 'project': {
      const root = join(projects, `project-${objects}`);
      mkdirSync(join(root, 'clusters', FLEET_NAME), { recursive: true });
      const src = relative(join(root, 'clusters', FLEET_NAME), join(import.meta.dirname, '..', 'src', 'constructs', 'index.ts'));
      writeFileSync(
        join(root, 'clusters', FLEET_NAME, 'index.ts'),
        `import { fleet } from '${src}';\n\nexport default fleet({ objects: ${objects}, name: '${FLEET_NAME}' });\n`,
      );
      report({ ms: 0 });
      return;
    }
    case 'compile': {
      const root = join(projects, `project-${objects}`);
      const outDir = join(workdir, `compile-out-${objects}`);
      if (flag === '--cold') {
        rmSync(join(root, '.cache'), { recursive: true, force: true });
        rmSync(outDir, { recursive: true, force: true });
      }
      if (flag === '--no-typecheck') {
        // The constructs-to-files part alone, into a fresh folder: no type-check, no caches.
        const fresh = join(workdir, `compile-fresh-${objects}`);
        rmSync(fresh, { recursive: true, force: true });
        const started = start();
        const result = await synth({ root, outDir: fresh, typecheck: false, cache: false });
        report({ ms: performance.now() - started, action: result.clusters[0]?.action, objects: result.clusters[0]?.objects });
        return;
      }
      const started = start();
      const result = await synth({ root, outDir });
      report({ ms: performance.now() - started, action: result.clusters[0]?.action, objects: result.clusters[0]?.objects });
      return;
    }
    default:
      throw new Error(`unknown mode ${mode}`);
  }
}

await main();
