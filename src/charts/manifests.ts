import { readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { Construct } from 'constructs';
import { parseAllDocuments } from 'yaml';
import { addObjects, type PlainObject } from './_children.ts';
import { CLUSTER_SCOPED, groupKind } from './_scope.ts';
import { chartsRoot } from './context.ts';
import { treeFiles } from './digest.ts';
import { ChartLockError } from './errors.ts';
import { pinnedPath } from './vendored.ts';

export interface ManifestsProps {
  /** A YAML file or a folder of them (`.yaml`/`.yml`, sorted by path), relative to the project root. */
  readonly path: string;
  /** `sha256:…` of the file, or the folder's tree digest (a wrong one fails with the actual digest in the message). */
  readonly digest: string;
  /**
   * Namespace given to objects without one (cluster-scoped kinds aside, see Helm's list).
   * @default none: objects keep what the files say
   */
  readonly namespace?: string;
}

/**
 * Vendored YAML (an operator's release bundle, a Flux/kustomize repository's plain files) as
 * ordinary children of the construct tree, pinned by digest: bytes that differ from `digest`
 * are an error naming the construct and the path.
 */
export class Manifests extends Construct {
  readonly apiObjects;

  constructor(scope: Construct, id: string, props: ManifestsProps) {
    super(scope, id);
    const root = chartsRoot();
    const path = pinnedPath(this.node.path, props.path, props.digest, '(vendored YAML: check the change, then pin the new digest in the Manifests props)');
    const files = statSync(path).isDirectory() ? treeFiles(path).filter((f) => /\.ya?ml$/.test(f)).map((f) => join(path, f)) : [path];
    this.apiObjects = addObjects(this, files.flatMap((file) => readObjects(relative(root, file), readFileSync(file, 'utf8'), props.namespace)));
  }
}

/** Every object of a multi-document YAML text (Lists stand for their items); empty documents skipped. @internal */
export function readObjects(file: string, text: string, namespace?: string): PlainObject[] {
  const objects: PlainObject[] = [];
  for (const [index, document] of parseAllDocuments(text).entries()) {
    if (document.errors.length > 0) throw new ChartLockError(file, `document ${index + 1}: ${document.errors[0]!.message}`);
    const value = document.toJS() as PlainObject | null;
    if (value === null || value === undefined) continue;
    if (typeof value.apiVersion !== 'string' || typeof value.kind !== 'string') throw new ChartLockError(file, `document ${index + 1} is not a Kubernetes object (no apiVersion and kind)`);
    const items = value.kind.endsWith('List') && Array.isArray(value['items']) ? (value['items'] as PlainObject[]) : [value];
    for (const item of items) {
      const keep = namespace === undefined || typeof item.metadata?.['namespace'] === 'string' || CLUSTER_SCOPED.has(groupKind(item.apiVersion, item.kind));
      objects.push(keep ? item : { ...item, metadata: { ...item.metadata, namespace } });
    }
  }
  return objects;
}
