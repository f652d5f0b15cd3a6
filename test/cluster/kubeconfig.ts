// The kubeconfig of a test cluster: one context per user, `admin` current.
import { writeFileSync } from 'node:fs';
import { stringify } from 'yaml';

/** The users of a test cluster, by static token. */
export type TestUser = 'admin' | 'alice' | 'bob';

/** Every user, `admin` first. */
export const TEST_USERS: readonly TestUser[] = ['admin', 'alice', 'bob'];

/** Token and groups of a test user. */
export interface UserCredentials {
  readonly name: TestUser;
  readonly token: string;
  /** Groups besides `system:authenticated`. */
  readonly groups: readonly string[];
}

/** Name of the kubeconfig cluster entry. */
export const CLUSTER_NAME = 'strata-test';

/** The static token file of kube-apiserver (`--token-auth-file`). */
export function tokenFile(users: readonly UserCredentials[]): string {
  return users.map((u) => `${u.token},${u.name},${u.name},"${u.groups.join(',')}"\n`).join('');
}

/** Options of {@link writeKubeconfig}. */
export interface KubeconfigProps {
  readonly path: string;
  readonly server: string;
  /** PEM bundle that verifies the serving certificate. */
  readonly caPem: string;
  readonly users: readonly UserCredentials[];
  /**
   * Context selected by default.
   * @default 'admin'
   */
  readonly currentContext?: TestUser;
}

/** Writes a kubeconfig with one context per user, named after the user. */
export function writeKubeconfig(props: KubeconfigProps): void {
  const caData = Buffer.from(props.caPem).toString('base64');
  const config = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: CLUSTER_NAME, cluster: { server: props.server, 'certificate-authority-data': caData } }],
    users: props.users.map((u) => ({ name: u.name, user: { token: u.token } })),
    contexts: props.users.map((u) => ({
      name: u.name,
      context: { cluster: CLUSTER_NAME, user: u.name, namespace: 'default' },
    })),
    'current-context': props.currentContext ?? 'admin',
    preferences: {},
  };
  writeFileSync(props.path, stringify(config), { mode: 0o600 });
}
