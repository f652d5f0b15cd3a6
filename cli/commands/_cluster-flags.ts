// Flags shared by the commands that talk to a cluster: --kubeconfig, --namespace, --all-namespaces.
import type { Argv } from 'yargs';
import { parseDuration } from '../../src/api/index.ts';
import { ExitError } from '../errors.ts';

export interface ClusterFlags {
  readonly kubeconfig?: string;
  readonly namespace: string;
}

/** `kind` names what --namespace selects, in its help. */
export function withClusterFlags<T>(yargs: Argv<T>, kind = 'Sync'): Argv<T & ClusterFlags> {
  return yargs
    .option('kubeconfig', { type: 'string', describe: 'Kubeconfig file (default: $KUBECONFIG, ~/.kube/config, or in-cluster config)' })
    .option('namespace', { alias: 'n', type: 'string', default: 'default', describe: `Namespace of the ${kind}` }) as Argv<T & ClusterFlags>;
}

/** `ns/name` or `name` (in --namespace). */
export function splitSyncName(value: string, namespace: string): { namespace: string; name: string } {
  const slash = value.indexOf('/');
  return slash < 0 ? { namespace, name: value } : { namespace: value.slice(0, slash), name: value.slice(slash + 1) };
}

/** A duration flag (`30s`, `5m`), checked before anything is requested so a typo does not leave a request made and unwatched. */
export function parseDurationFlag(flag: string, value: string): number {
  try {
    return parseDuration(value);
  } catch (error) {
    throw new ExitError(`--${flag}: ${(error as Error).message}`, 2);
  }
}
