/**
 * Units: a cluster compiled into several folders, `deploy/<cluster>/<unit>/`, each applied by
 * its own Sync once the units it depends on are Ready (Flux's `infrastructure` and `apps`
 * Kustomizations). The objects no unit claims form the root unit, `deploy/<cluster>/root/`:
 * what the root Sync applies, the agent and the root Sync itself among them. The compiler
 * writes one Sync per unit into the root unit, with the root Sync's source (URL, ref,
 * credentials, decryption, interval), the unit's folder and `dependsOn`; a cluster not
 * bootstrapped yet has no root Sync, so its units get their Syncs once `strata bootstrap`
 * adds it.
 */
import { SYNC_API_VERSION, SYNC_KIND, type Sync, type SyncSpec } from '../api/index.ts';
import type { UnitSource } from '../constructs/cluster-source.ts';
import { ROOT_SYNC_NAMESPACE, ROOT_UNIT, UNIT_LABEL, rootSyncName, unitSyncName } from '../gitops/root-sync.ts';
import { describeRef, refKey, refOf, type KubeObject, type ManifestSetEntryInput } from '../manifest/index.ts';

export { ROOT_UNIT, UNIT_LABEL, unitSyncName };

/** One unit's objects, after assignment. */
export interface UnitInputs {
  readonly name: string;
  readonly dependsOn: readonly string[];
  readonly inputs: readonly ManifestSetEntryInput[];
}

/** Something wrong with the units of a cluster: a cycle, a double claim, a bad declaration. */
export class UnitError extends Error {
  override readonly name = 'UnitError';
  constructor(
    readonly cluster: string,
    readonly problems: readonly string[],
  ) {
    super(`cluster ${cluster}: ${problems.length} unit problem${problems.length === 1 ? '' : 's'}:\n${problems.map((problem) => `  ${problem}`).join('\n')}`);
  }
}

const LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

/**
 * Splits a cluster's objects into its units (root first, then the declared units in
 * dependency order, ties in declared order) and adds the units' Syncs to the root unit.
 * Throws one UnitError with every problem: bad names, unknown or cyclic dependencies, an
 * object two units claim, the same object in two units, a root Sync pointing at the whole
 * cluster.
 */
export function assignUnits(cluster: string, inputs: readonly ManifestSetEntryInput[], units: readonly UnitSource[]): UnitInputs[] {
  const problems = declarationProblems(units);
  if (problems.length > 0) throw new UnitError(cluster, problems);
  const byName = new Map<string, ManifestSetEntryInput[]>([[ROOT_UNIT, []], ...units.map((unit): [string, ManifestSetEntryInput[]] => [unit.name, []])]);
  const seen = new Map<string, { unit: string; source: string }>();
  for (const input of inputs) {
    const source = input.source ?? '(no construct path)';
    const claimers = units.filter((unit) => unit.claims(input.object, source)).map((unit) => unit.name);
    const what = describeRef(refOf(input.object));
    if (claimers.length > 1) {
      problems.push(`${what} (construct ${source}) is claimed by the units ${claimers.join(' and ')}: an object belongs to one unit`);
      continue;
    }
    const unit = claimers[0] ?? ROOT_UNIT;
    const key = refKey(refOf(input.object));
    const other = seen.get(key);
    if (other !== undefined && other.unit !== unit) {
      problems.push(`${what} is in two units: ${other.unit} (construct ${other.source}) and ${unit} (construct ${source}); one unit must own it`);
      continue;
    }
    seen.set(key, { unit, source });
    byName.get(unit)!.push(input);
  }
  const root = byName.get(ROOT_UNIT)!;
  const rootSync = root.find((input) => isRootSync(cluster, input.object));
  if (rootSync !== undefined) {
    const path = (rootSync.object as Sync).spec?.path ?? '';
    const segments = path.split('/').filter(Boolean);
    if (segments[segments.length - 1] !== ROOT_UNIT) {
      problems.push(
        `Sync ${ROOT_SYNC_NAMESPACE}/${rootSyncName(cluster)} (construct ${rootSync.source ?? '?'}) points at ${JSON.stringify(path)}, which would apply every unit at once: with units it must point at the root unit (…/${cluster}/${ROOT_UNIT}); run \`strata bootstrap\` again to rewrite it`,
      );
    }
  }
  if (problems.length > 0) throw new UnitError(cluster, problems);
  if (rootSync !== undefined) {
    const spec = (rootSync.object as Sync).spec;
    const folder = spec.path!.replace(/\/+$/, '').replace(/\/[^/]+$/, '');
    for (const unit of units) root.push({ object: unitSync(cluster, folder, spec, unit), source: `${cluster}/units/${unit.name}/Sync` });
  }
  return [{ name: ROOT_UNIT, dependsOn: [], inputs: root }, ...dependencyOrder(units).map((unit) => ({ name: unit.name, dependsOn: unit.dependsOn ?? [], inputs: byName.get(unit.name)! }))];
}

function isRootSync(cluster: string, object: KubeObject): boolean {
  return object.apiVersion === SYNC_API_VERSION && object.kind === SYNC_KIND && object.metadata.name === rootSyncName(cluster) && object.metadata.namespace === ROOT_SYNC_NAMESPACE;
}

/** A unit's Sync: the root Sync's source, the unit's folder beside the root unit's, its dependencies. */
function unitSync(cluster: string, folder: string, root: SyncSpec, unit: UnitSource): Sync {
  const spec: SyncSpec = {
    url: root.url,
    ...(root.ref === undefined ? {} : { ref: root.ref }),
    ...(root.secretRef === undefined ? {} : { secretRef: root.secretRef }),
    path: `${folder}/${unit.name}`,
    ...(root.interval === undefined ? {} : { interval: root.interval }),
    prune: true,
    wait: unit.wait ?? true,
    ...((unit.dependsOn ?? []).length === 0 ? {} : { dependsOn: (unit.dependsOn ?? []).map((name) => ({ name: unitSyncName(cluster, name) })) }),
    ...(root.serviceAccountName === undefined ? {} : { serviceAccountName: root.serviceAccountName }),
    ...(root.decryption === undefined ? {} : { decryption: root.decryption }),
    ...((unit.healthCheckExprs ?? root.healthCheckExprs) === undefined ? {} : { healthCheckExprs: unit.healthCheckExprs ?? root.healthCheckExprs }),
    ...(unit.healthChecks === undefined ? {} : { healthChecks: unit.healthChecks }),
  };
  return {
    apiVersion: SYNC_API_VERSION,
    kind: SYNC_KIND,
    metadata: { name: unitSyncName(cluster, unit.name), namespace: ROOT_SYNC_NAMESPACE, labels: { [UNIT_LABEL]: unit.name } },
    spec,
  };
}

function declarationProblems(units: readonly UnitSource[]): string[] {
  const problems: string[] = [];
  const names = new Set<string>();
  for (const unit of units) {
    if (unit.name === ROOT_UNIT) problems.push(`unit ${JSON.stringify(unit.name)}: the name is reserved for the objects no unit claims`);
    else if (!LABEL.test(unit.name)) problems.push(`unit ${JSON.stringify(unit.name)}: the name must be a DNS-1123 label (lower case letters, digits and '-', at most 63)`);
    if (names.has(unit.name)) problems.push(`unit ${JSON.stringify(unit.name)} is declared twice`);
    names.add(unit.name);
  }
  for (const unit of units) {
    for (const dependency of unit.dependsOn ?? []) {
      if (dependency === unit.name) problems.push(`unit ${unit.name} depends on itself`);
      else if (!names.has(dependency)) problems.push(`unit ${unit.name} depends on ${JSON.stringify(dependency)}, which is not a unit (units: ${[...names].join(', ')})`);
    }
  }
  const cycle = findCycle(units);
  if (cycle !== undefined) problems.push(`the units depend on each other in a cycle: ${cycle.join(' → ')}; no unit of it could ever be applied`);
  return problems;
}

/** One dependency cycle among the units (`a → b → a`), or undefined. */
function findCycle(units: readonly UnitSource[]): string[] | undefined {
  const edges = new Map(units.map((unit) => [unit.name, (unit.dependsOn ?? []).filter((name) => name !== unit.name)]));
  const state = new Map<string, 'visiting' | 'done'>();
  const stack: string[] = [];
  const visit = (name: string): string[] | undefined => {
    if (state.get(name) === 'done') return undefined;
    if (state.get(name) === 'visiting') return [...stack.slice(stack.indexOf(name)), name];
    state.set(name, 'visiting');
    stack.push(name);
    for (const next of edges.get(name) ?? []) {
      const found = visit(next);
      if (found) return found;
    }
    stack.pop();
    state.set(name, 'done');
    return undefined;
  };
  for (const unit of units) {
    const found = visit(unit.name);
    if (found) return found;
  }
  return undefined;
}

/** The units with each after those it depends on; otherwise in declared order. */
function dependencyOrder(units: readonly UnitSource[]): UnitSource[] {
  const placed = new Set<string>();
  const ordered: UnitSource[] = [];
  while (ordered.length < units.length) {
    const next = units.find((unit) => !placed.has(unit.name) && (unit.dependsOn ?? []).every((name) => placed.has(name)));
    if (next === undefined) break; // a cycle: refused before
    ordered.push(next);
    placed.add(next.name);
  }
  return ordered;
}
