// The test cluster's etcd, reached through its gRPC gateway (JSON over plain http on 127.0.0.1):
// for tests that need what only etcd can do, such as compacting away old revisions so that the
// API server answers 410 Gone for them.

/** The gateway's response header: `revision` is etcd's current revision (the API server's resourceVersion). */
interface EtcdHeader {
  readonly revision?: string;
}

async function post(clientUrl: string, path: string, body: unknown): Promise<{ header?: EtcdHeader }> {
  const response = await fetch(new URL(path, clientUrl), { method: 'POST', body: JSON.stringify(body), signal: AbortSignal.timeout(10_000) });
  const text = await response.text();
  if (!response.ok) throw new Error(`etcd ${path} at ${clientUrl}: HTTP ${response.status}: ${text}`);
  return JSON.parse(text) as { header?: EtcdHeader };
}

/** etcd's current revision. */
export async function etcdRevision(clientUrl: string): Promise<number> {
  // Any read answers with the current revision in its header; one key under /registry/ is the cheapest.
  const { header } = await post(clientUrl, '/v3/kv/range', { key: Buffer.from('/registry/').toString('base64'), limit: 1, keys_only: true });
  const revision = Number(header?.revision);
  if (!Number.isSafeInteger(revision) || revision <= 0) throw new Error(`etcd /v3/kv/range at ${clientUrl}: no revision in the answer`);
  return revision;
}

/**
 * Compacts etcd up to `revision` (default: the current one) and waits until the old revisions
 * are gone (`physical`), so a read or watch from an older revision fails from then on.
 * Returns the revision compacted to.
 */
export async function compactEtcd(clientUrl: string, revision?: number): Promise<number> {
  const target = revision ?? (await etcdRevision(clientUrl));
  await post(clientUrl, '/v3/kv/compaction', { revision: String(target), physical: true });
  return target;
}
