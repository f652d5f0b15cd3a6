/**
 * Makes a cluster's sources include the Strata agent and its root Sync, the way
 * `flux bootstrap` writes `clusters/<name>/flux-system/`: a generated module
 * `clusters/<cluster>/strata-system.ts` (owned by bootstrap, rewritten with the
 * current flags) and, once, two lines in `clusters/<cluster>/index.ts` that add it
 * as a layer. Text in, text out: deterministic, so an unchanged run writes nothing.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SYNC_API_VERSION, SYNC_KIND } from '../api/index.ts';
import { BootstrapError } from './errors.ts';
import { PART_OF_LABEL, PART_OF_VALUE, ROOT_SYNC_NAMESPACE, rootSyncName, rootSyncSpec, type RootSyncProps } from './root-sync.ts';

/** The generated module's file name inside `clusters/<cluster>/`. */
export const STRATA_SYSTEM_FILE = 'strata-system.ts';
/** The layer it is added as: construct paths read `<cluster>/strata/...`. */
export const STRATA_LAYER = 'strata';

/** Options of {@link ensureSources}. */
export interface BootstrapSourcesProps extends RootSyncProps {
  /** The project root (holding `clusters/`). */
  readonly root: string;
  /**
   * The agent image.
   * @default the image already in `strata-system.ts`, else `defaultImage`
   */
  readonly image?: string;
  /** The image of a first bootstrap when none is given. */
  readonly defaultImage: string;
}

export interface SourcesResult {
  /** Files written, relative to the root; empty when the sources already had it all. */
  readonly written: readonly string[];
  /** What the written files add, for the commit message. */
  readonly added: readonly string[];
}

/** Writes the generated module and hooks it into the cluster's index.ts when needed. */
export function ensureSources(props: BootstrapSourcesProps): SourcesResult {
  const folder = join(props.root, 'clusters', props.cluster);
  const indexFile = join(folder, 'index.ts');
  if (!existsSync(indexFile)) throw new BootstrapError('sources', props.cluster, `clusters/${props.cluster}/index.ts does not exist in the repository: create the cluster first (see clusters/README.md)`);
  const index = readFileSync(indexFile, 'utf8');
  const written: string[] = [];
  const added: string[] = [];

  const moduleFile = join(folder, STRATA_SYSTEM_FILE);
  const previous = existsSync(moduleFile) ? readFileSync(moduleFile, 'utf8') : undefined;
  // Flags left out keep what Git has: a recovery run without --agent-image must not downgrade.
  const image = props.image ?? settingOf(previous, 'image') ?? props.defaultImage;
  const interval = props.interval ?? settingOf(previous, 'interval');
  const settings = { ...props, image, ...(interval === undefined ? {} : { interval }) };
  const next = strataSystemModule(settings, agentImportOf(index));
  if (previous !== next) {
    writeFileSync(moduleFile, next);
    written.push(`clusters/${props.cluster}/${STRATA_SYSTEM_FILE}`);
    added.push(
      previous === undefined
        ? `the Strata agent (CRD, namespace ${ROOT_SYNC_NAMESPACE}, RBAC, Deployment of ${image}) and the root Sync ${ROOT_SYNC_NAMESPACE}/${rootSyncName(props.cluster)} for deploy/${props.cluster} (branch ${props.branch})`
        : `updated agent settings (image ${image}, root Sync on ${props.url} branch ${props.branch}${interval ? ` every ${interval}` : ''})`,
    );
  }

  const hooked = hookIntoIndex(index);
  if (hooked === undefined) {
    throw new BootstrapError(
      'sources',
      props.cluster,
      `cannot find the \`layers\` of the Cluster in clusters/${props.cluster}/index.ts to add the agent. Add these two lines yourself and run bootstrap again:\n` +
        `  import { strataSystem } from './${STRATA_SYSTEM_FILE}';\n` +
        `  layers: { ...layers, ${STRATA_LAYER}: [strataSystem] },`,
    );
  }
  if (hooked !== index) {
    writeFileSync(indexFile, hooked);
    written.push(`clusters/${props.cluster}/index.ts`);
    added.push(`the layer "${STRATA_LAYER}" in clusters/${props.cluster}/index.ts`);
  }
  return { written, added };
}

/** index.ts with the import and the layer added; unchanged when present; undefined when the layers are not found. */
export function hookIntoIndex(index: string): string | undefined {
  if (index.includes(`./${STRATA_SYSTEM_FILE}'`) || index.includes(`./${STRATA_SYSTEM_FILE}"`)) return index;
  const layers = /^(\s*)layers(?:\s*:\s*([^\n]+?))?\s*,\s*$/m.exec(index);
  if (!layers) return undefined;
  const expression = layers[2] ?? 'layers';
  const withLayer = `${index.slice(0, layers.index)}${layers[1]}layers: { ...${expression}, ${STRATA_LAYER}: [strataSystem] },${index.slice(layers.index + layers[0].length)}`;
  const imports = [...withLayer.matchAll(/^.*\bfrom\s+['"][^'"]+['"];?[ \t]*$/gm)];
  const last = imports[imports.length - 1];
  const at = last ? (last.index ?? 0) + last[0].length : 0;
  const line = `import { strataSystem } from './${STRATA_SYSTEM_FILE}';`;
  return last ? `${withLayer.slice(0, at)}\n${line}${withLayer.slice(at)}` : `${line}\n${withLayer}`;
}

/** Where the agent construct is imported from, following how index.ts imports the construct library. */
function agentImportOf(index: string): string {
  const library = /from\s+['"]([^'"]*src\/constructs)\/index\.ts['"]/.exec(index);
  return `${library?.[1] ?? '../../src/constructs'}/agent.ts`;
}

/** A setting of a module this file wrote (`"image": "…"` or `image: "…"`), or undefined. */
function settingOf(module: string | undefined, key: 'image' | 'interval'): string | undefined {
  if (module === undefined) return undefined;
  const match = new RegExp(`["']?${key}["']?:\\s*"([^"]+)"`).exec(module);
  return match?.[1];
}

function strataSystemModule(props: BootstrapSourcesProps & { readonly image: string }, agentImport: string): string {
  const sync = {
    apiVersion: SYNC_API_VERSION,
    kind: SYNC_KIND,
    metadata: { name: rootSyncName(props.cluster), namespace: ROOT_SYNC_NAMESPACE, labels: { [PART_OF_LABEL]: PART_OF_VALUE } },
    spec: rootSyncSpec(props),
  };
  const literal = (value: unknown): string => JSON.stringify(value, null, 2).replace(/\n/g, '\n  ');
  return [
    '// Written by `strata bootstrap`: the Strata agent and the root Sync of this cluster, so the',
    '// agent is managed from Git like everything else. Change it by running `strata bootstrap`',
    '// again with other flags (a new --agent-image upgrades the agent through Git).',
    "import { ApiObject } from 'cdk8s';",
    "import type { Construct } from 'constructs';",
    `import { StrataAgent } from '${agentImport}';`,
    '',
    'export function strataSystem(scope: Construct): void {',
    `  new StrataAgent(scope, 'agent', { image: ${JSON.stringify(props.image)}, namespace: ${JSON.stringify(ROOT_SYNC_NAMESPACE)} });`,
    `  new ApiObject(scope, 'root-sync', ${literal(sync)});`,
    '}',
    '',
  ].join('\n');
}
