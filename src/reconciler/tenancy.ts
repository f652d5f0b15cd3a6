/**
 * The tenancy rules of one agent: which identity a Sync applies as, whether it may name
 * objects of other namespaces, and whether it may read a repository from the agent's own
 * disk. Checked before the source is fetched; a Sync that breaks one is Stalled with the rule.
 */
import type { Sync } from '../api/index.ts';

export interface TenancyOptions {
  /**
   * The ServiceAccount a Sync without `serviceAccountName` applies as: `namespace/name`, or a
   * bare `name` for that account in the Sync's own namespace (Flux's lockdown).
   * @default the agent's own identity
   */
  readonly defaultServiceAccount?: string;
  /** Refuse `dependsOn` and `healthChecks` entries in another namespace. @default false */
  readonly noCrossNamespaceRefs?: boolean;
  /**
   * Namespaces whose Syncs may read a repository from the agent's disk (`file://` or a path):
   * the agent's cache and checkouts are shared, so a tenant could otherwise read another's
   * fetched commits. The agent's own namespace is always allowed; `'*'` allows every namespace.
   * @default none besides the agent's own
   */
  readonly localSourceNamespaces?: readonly string[];
  /** The agent's own namespace. @default 'strata-system' */
  readonly agentNamespace?: string;
}

/** A Sync breaks a tenancy rule; the message names the field and the flag. */
export class TenancyError extends Error {
  override readonly name = 'TenancyError';
}

/** `system:serviceaccount:<ns>:<name>` the Sync applies as, or undefined for the agent itself. */
export function applyingIdentity(sync: Sync, options: TenancyOptions): string | undefined {
  const namespace = sync.metadata.namespace ?? 'default';
  if (sync.spec.serviceAccountName) return `system:serviceaccount:${namespace}:${sync.spec.serviceAccountName}`;
  const fallback = options.defaultServiceAccount;
  if (!fallback) return undefined;
  const [first, second] = fallback.split('/');
  return second === undefined ? `system:serviceaccount:${namespace}:${first}` : `system:serviceaccount:${first}:${second}`;
}

/** True for a URL git reads from the local disk: `file://`, an absolute or relative path. */
export function isLocalUrl(url: string): boolean {
  if (/^file:/i.test(url)) return true;
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(url)) return false;
  // scp-like `user@host:path` or `host:path` (a colon before any slash) is remote.
  return !/^[^/]+:/.test(url);
}

/** Throws a TenancyError for the first rule the Sync breaks. */
export function checkTenancy(sync: Sync, options: TenancyOptions): void {
  const namespace = sync.metadata.namespace ?? 'default';
  const agentNamespace = options.agentNamespace ?? 'strata-system';
  if (options.noCrossNamespaceRefs) {
    const crossing = (sync.spec.dependsOn ?? []).filter((dependency) => dependency.namespace !== undefined && dependency.namespace !== namespace);
    if (crossing.length > 0) {
      throw new TenancyError(`spec.dependsOn names ${crossing.map((dependency) => `${dependency.namespace}/${dependency.name}`).join(', ')} in another namespace; this agent refuses cross-namespace references (--no-cross-namespace-refs)`);
    }
    // Health checks read as the agent unless the Sync applies as an account: they could tell a tenant what another namespace holds.
    const checks = (sync.spec.healthChecks ?? []).filter((check) => check.namespace !== undefined && check.namespace !== namespace);
    if (checks.length > 0) {
      throw new TenancyError(`spec.healthChecks names ${checks.map((check) => `${check.kind}/${check.namespace}/${check.name}`).join(', ')} in another namespace; this agent refuses cross-namespace references (--no-cross-namespace-refs)`);
    }
  }
  if (isLocalUrl(sync.spec.url)) {
    const allowed = [agentNamespace, ...(options.localSourceNamespaces ?? [])];
    if (!allowed.includes('*') && !allowed.includes(namespace)) {
      throw new TenancyError(`spec.url ${JSON.stringify(sync.spec.url)} is on the agent's disk; only Syncs of ${allowed.join(', ')} may use one (--local-source-namespace)`);
    }
  }
}
