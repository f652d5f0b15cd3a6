/**
 * The digest of a whole manifest set, as the agent records it in a Sync's status
 * history: sha256 over each object's identity and file digest, in apply order.
 * It is computed from what is in Git (ciphertext for SOPS files, before any
 * target namespace), so the same value comes from the parsed files and from the
 * `index.json` committed beside them.
 */
import { createHash } from 'node:crypto';
import { splitApiVersion, type ObjectRef } from './identity.ts';
import { compareApplyOrder } from './kind-order.ts';
import type { ManifestIndex, ManifestSet } from './manifest-set.ts';

/** `sha256:<hex>` over `group/kind/namespace/name:sha256` lines in apply order. */
export function manifestDigest(objects: Iterable<{ readonly ref: ObjectRef; readonly sha256: string }>): string {
  const hash = createHash('sha256');
  for (const { ref, sha256 } of [...objects].sort((a, b) => compareApplyOrder(a.ref, b.ref))) {
    hash.update(`${ref.group}/${ref.kind}/${ref.namespace}/${ref.name}:${sha256}\n`);
  }
  return `sha256:${hash.digest('hex')}`;
}

/** The digest of a parsed set. */
export function setDigest(set: ManifestSet): string {
  return manifestDigest(set.entries);
}

/** The digest of the set an `index.json` describes; equals `setDigest` of its files. */
export function indexDigest(index: ManifestIndex): string {
  return manifestDigest(
    index.objects.map((entry) => ({
      ref: { ...splitApiVersion(entry.apiVersion), kind: entry.kind, namespace: entry.namespace ?? '', name: entry.name },
      sha256: entry.sha256,
    })),
  );
}
