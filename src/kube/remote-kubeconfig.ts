/**
 * A kubeconfig read from a Secret (a Sync's `spec.kubeConfig`), for the agent to reach another
 * cluster. Its text is a credential: no message of this file quotes it, and the credentials it
 * holds are returned so that the caller can mask them in everything that leaves the agent.
 *
 * Only inline credentials are accepted. Whoever may write the Secret must not make the agent
 * run a program (`exec`, `auth-provider`) or read its own files (`tokenFile`, certificate and key
 * paths): Flux refuses the same unless told otherwise.
 */
import { KubeConfig } from '@kubernetes/client-node';
import { parseDocument } from 'yaml';

/** The kubeconfig in a Secret cannot be used; the message names the Secret and key, never the content. */
export class KubeConfigError extends Error {
  override readonly name = 'KubeConfigError';
  constructor(
    /** `namespace/name` of the Secret. */
    readonly secret: string,
    readonly key: string,
    message: string,
  ) {
    super(`Secret ${secret} key ${JSON.stringify(key)}: ${message}`);
  }
}

export interface RemoteKubeConfig {
  readonly kubeConfig: KubeConfig;
  /** The server URL of its current context. */
  readonly server: string;
  /** The credential values it holds (tokens, keys, passwords), to be masked. */
  readonly credentials: readonly string[];
}

// Fields of a kubeconfig user (and cluster) that name files or programs of the agent's host.
const REFUSED_USER_FIELDS = ['exec', 'auth-provider', 'tokenFile', 'client-certificate', 'client-key', 'username-file'] as const;
const CREDENTIAL_FIELDS = ['token', 'client-key-data', 'password'] as const;

/** Parses and checks the kubeconfig `text` of the Secret `secret` (`namespace/name`), key `key`. */
export function parseRemoteKubeConfig(text: string, secret: string, key: string): RemoteKubeConfig {
  const fail = (message: string): never => {
    throw new KubeConfigError(secret, key, message);
  };
  // yaml's messages quote the offending line: report only where it is.
  const document = parseDocument(text, { prettyErrors: false });
  const firstError = document.errors[0];
  if (firstError) fail(`not a kubeconfig: invalid YAML at line ${(firstError.linePos?.[0].line ?? 0) || '?'}`);
  const config = document.toJS() as Record<string, unknown> | null;
  if (!config || typeof config !== 'object') fail('not a kubeconfig: not a YAML mapping');
  const raw = config as { 'current-context'?: unknown; contexts?: unknown; clusters?: unknown; users?: unknown };
  const named = (list: unknown, name: unknown): Record<string, unknown> | undefined => {
    if (!Array.isArray(list)) return undefined;
    const entry = list.find((item: unknown) => (item as { name?: unknown } | null)?.name === name) as Record<string, unknown> | undefined;
    return entry;
  };
  const contextName = raw['current-context'];
  if (typeof contextName !== 'string' || contextName === '') fail('the kubeconfig has no current-context');
  const context = named(raw.contexts, contextName)?.context as { cluster?: unknown; user?: unknown } | undefined;
  if (!context) fail(`the kubeconfig has no context ${JSON.stringify(contextName)}`);
  const cluster = named(raw.clusters, context?.cluster)?.cluster as Record<string, unknown> | undefined;
  if (!cluster || typeof cluster.server !== 'string') fail(`the kubeconfig has no cluster with a server for context ${JSON.stringify(contextName)}`);
  if (cluster && 'certificate-authority' in cluster) fail('certificate-authority names a file of the agent: use certificate-authority-data');
  const user = (named(raw.users, context?.user)?.user ?? {}) as Record<string, unknown>;
  for (const field of REFUSED_USER_FIELDS) {
    if (field in user) fail(`user field ${JSON.stringify(field)} is refused: only inline credentials (token, client-certificate-data and client-key-data, username and password)`);
  }
  const credentials = CREDENTIAL_FIELDS.map((field) => user[field]).filter((value): value is string => typeof value === 'string' && value !== '');
  const kubeConfig = new KubeConfig();
  try {
    kubeConfig.loadFromString(text);
  } catch {
    fail('not a kubeconfig the client can load');
  }
  kubeConfig.setCurrentContext(contextName as string);
  // The key is base64 PEM in the Secret; both forms may show up in a message.
  const decodedKeys = credentials.filter((value) => value === user['client-key-data']).map((value) => Buffer.from(value, 'base64').toString('utf8'));
  return { kubeConfig, server: cluster?.server as string, credentials: [...credentials, ...decodedKeys] };
}
