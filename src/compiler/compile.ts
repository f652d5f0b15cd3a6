import { relative } from 'node:path';
import type { ProvidedObject } from '../constructs/cluster-source.ts';
import { orderingProblems } from '../api/index.ts';
import { INDEX_FILE, ManifestSet, refOf, serializeIndex, type ManifestSetEntryInput } from '../manifest/index.ts';
import { IGNORE_FIELDS_ANNOTATION, ignoredFieldsOf } from '../api/index.ts';
import { findPlaintextSecrets, plaintextSecretMessage } from '../secrets/plaintext-secrets.ts';
import { ClusterLoadError, ObjectValidationError, type ObjectProblem } from './errors.ts';
import { loadClusterSource, synthesizeCluster } from './load.ts';
import { validateObjectNames } from './names.ts';
import { clusterEntry, type ProjectLayout } from './project.ts';
import { assignUnits } from './units.ts';

/** One unit of a cluster compiled into units: its objects, written to `deploy/<cluster>/<name>/`. */
export interface CompiledUnit {
  readonly name: string;
  /** The units it waits for. */
  readonly dependsOn: readonly string[];
  readonly set: ManifestSet;
}

/** A cluster compiled in memory: its manifest set and every file of `deploy/<cluster>/`. */
export interface CompiledCluster {
  readonly name: string;
  /** Every object of the cluster, of all its units. */
  readonly set: ManifestSet;
  /** Path relative to `deploy/<cluster>/` → file text, index.json included (`<unit>/…` per unit when the cluster has units). */
  readonly files: ReadonlyMap<string, string>;
  /** Names the cluster provides itself (its source's `provides`). @default none */
  readonly provides?: readonly ProvidedObject[];
  /** The units, root first, then in dependency order. @default none: one folder */
  readonly units?: readonly CompiledUnit[];
}

/**
 * Loads, synthesizes and checks one cluster: names and metadata of every object
 * (all problems at once, with construct path and field), then identities (a
 * duplicate names both construct paths). Writes nothing.
 */
export async function compileCluster(layout: ProjectLayout, name: string): Promise<CompiledCluster> {
  const source = await loadClusterSource(layout, name);
  const inputs = await synthesizeCluster(layout, source);
  const problems = objectProblems(inputs);
  if (problems.length > 0) throw new ObjectValidationError(name, problems);
  const setOf = (entries: readonly ManifestSetEntryInput[]): ManifestSet => {
    try {
      return ManifestSet.of(entries);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      throw new ClusterLoadError(name, relative(layout.root, clusterEntry(layout, name)), message, { cause: error });
    }
  };
  const declared = source.units ?? [];
  if (declared.length === 0) {
    const set = setOf(inputs);
    return { name, set, files: filesOf(name, set), provides: source.provides ?? [] };
  }
  const units = assignUnits(name, inputs, declared).map((unit): CompiledUnit => ({ name: unit.name, dependsOn: unit.dependsOn, set: setOf(unit.inputs) }));
  const set = setOf(units.flatMap((unit) => unit.set.entries.map(({ object, source: from }) => ({ object, ...(from === undefined ? {} : { source: from }) }))));
  const files = new Map<string, string>();
  for (const unit of units) for (const [file, text] of filesOf(name, unit.set, unit.name)) files.set(`${unit.name}/${file}`, text);
  return { name, set, files, provides: source.provides ?? [], units };
}

/** What the compiler checks of every object before writing it: names and metadata, and no plaintext Secret. */
export function objectProblems(inputs: Iterable<ManifestSetEntryInput>): ObjectProblem[] {
  const problems: ObjectProblem[] = [];
  for (const input of inputs) {
    const source = input.source ?? '(no construct path)';
    const found = validateObjectNames(input.object, source);
    if (found.length > 0) problems.push(...found);
    // strata.dev/ignore-fields must hold JSON pointers the engine can follow.
    for (const message of ignoredFieldsOf(input.object).problems) {
      problems.push({ source: input.source ?? '(no construct path)', ref: refOf(input.object), field: `metadata.annotations["${IGNORE_FIELDS_ANNOTATION}"]`, message });
    }
    // Waves and hooks: the agent would refuse the revision (BuildFailed), so the compile does first.
    for (const problem of orderingProblems(input.object)) {
      problems.push({ source, ref: refOf(input.object), field: `metadata.annotations["${problem.annotation}"]`, message: problem.detail });
    }
    // A Secret with values must be a SopsSecret (ciphertext) unless marked non-sensitive.
    if (input.object.kind !== 'Secret') continue;
    for (const secret of findPlaintextSecrets([input])) problems.push({ source: secret.source, ref: refOf(input.object), field: secret.field, message: plaintextSecretMessage(secret) });
  }
  return problems;
}

/** The files of a compiled set (of a cluster, or of one of its units): one YAML file per object and index.json. */
export function filesOf(cluster: string, set: ManifestSet, unit?: string): Map<string, string> {
  const files = new Map<string, string>();
  for (const entry of set.entries) files.set(entry.file, entry.text);
  files.set(INDEX_FILE, serializeIndex(set.index(cluster, unit)));
  return files;
}
