// What the agent needs in the cluster before it can start: its namespace (for the leader Lease)
// and the Sync and ImageUpdate CRDs. `strata install` creates all of them; without them the
// agent says once what is missing and which command installs it, then waits without logging.
import type { Logger } from 'pino';
import { IMAGE_UPDATE_CRD, IMAGE_UPDATE_PLURAL, SYNC_CRD, SYNC_GROUP, SYNC_PLURAL, SYNC_VERSION } from '../api/index.ts';
import { KubeApiError, type AgentApi } from '../kube/index.ts';

/** Options of {@link waitForPrerequisites}. */
export interface PrerequisiteOptions {
  /** The agent's namespace; checked only when `namespaceNeeded`. */
  readonly namespace: string;
  /** Whether the agent needs its namespace (it holds the leader Lease). */
  readonly namespaceNeeded: boolean;
  /** Whether ImageUpdate objects are reconciled (their CRD is needed then). */
  readonly imageUpdates: boolean;
  /**
   * How often to look again while something is missing (the first looks come sooner:
   * 250 ms, doubling up to this).
   * @default 5000
   */
  readonly intervalMs?: number;
  readonly log: Logger;
  readonly signal: AbortSignal;
}

/** The command that installs what is missing, as the hint names it. */
export const INSTALL_HINT = 'strata install';

/** What is missing, e.g. `namespace "strata-system"`, `CRD syncs.strata.dev`; empty when nothing. */
export async function missingPrerequisites(api: AgentApi, options: Pick<PrerequisiteOptions, 'namespace' | 'namespaceNeeded' | 'imageUpdates'>, signal?: AbortSignal): Promise<string[]> {
  const missing: string[] = [];
  // An identity that may not read namespaces cannot tell: it goes on (the Lease says the rest).
  if (options.namespaceNeeded && (await api.find(`/api/v1/namespaces/${encodeURIComponent(options.namespace)}`, signal).catch(forbiddenAsFound)) === undefined) {
    missing.push(`namespace "${options.namespace}"`);
  }
  // Discovery of the group version: readable by every authenticated identity, unlike the CRDs themselves.
  const discovery = await api.find<{ resources?: readonly { readonly name: string }[] }>(`/apis/${SYNC_GROUP}/${SYNC_VERSION}`, signal);
  const served = new Set((discovery?.resources ?? []).map((resource) => resource.name));
  for (const [crd, plural] of [[SYNC_CRD, SYNC_PLURAL], ...(options.imageUpdates ? [[IMAGE_UPDATE_CRD, IMAGE_UPDATE_PLURAL] as const] : [])] as const) {
    if (!served.has(plural)) missing.push(`CRD ${crd.metadata.name}`);
  }
  return missing;
}

/**
 * Resolves when nothing is missing. While something is, logs one line naming it and
 * `strata install`, then looks again quietly (another line only when what is missing
 * changes). Rejects when `signal` aborts.
 */
export async function waitForPrerequisites(api: AgentApi, options: PrerequisiteOptions): Promise<void> {
  let said = '';
  for (let attempt = 0; ; attempt++) {
    let missing: string[];
    let line: string;
    try {
      missing = await missingPrerequisites(api, options, options.signal);
      line = `${listing(missing)} not found in the cluster: \`${INSTALL_HINT}\` installs the agent's CRDs, namespace and RBAC (waiting for them quietly)`;
    } catch (error) {
      if (options.signal.aborted) throw error;
      missing = ['(unknown)'];
      line = `cannot look for the agent's namespace and CRDs: ${(error as Error).message} (retrying quietly)`;
    }
    if (missing.length === 0) {
      if (said !== '') options.log.info({ event: 'prerequisites-found' }, 'namespace and CRDs found: starting');
      return;
    }
    if (line !== said) options.log.warn({ event: 'prerequisites-missing', missing }, line);
    said = line;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(resolve, Math.min(options.intervalMs ?? 5000, 250 * 2 ** attempt));
      options.signal.addEventListener('abort', () => (clearTimeout(timer), reject(options.signal.reason)), { once: true });
    });
  }
}

function forbiddenAsFound(error: unknown): object {
  if (error instanceof KubeApiError && error.status === 403) return {};
  throw error;
}

/** `a`, `a and b`, `a, b and c`. */
function listing(items: readonly string[]): string {
  return items.length <= 1 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} and ${items.at(-1)}`;
}
