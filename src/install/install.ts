// `strata install`: the agent's CRDs, namespace, RBAC and Deployment, without a Git repository
// (like `flux install`). Server-side apply makes it idempotent: a second run changes nothing.
import { StrataAgent, type StrataAgentProps } from '../constructs/agent.ts';
import { applyAllStaged, type ChangeSet } from '../engine/index.ts';
import type { KubeClient } from '../kube/index.ts';
import { ManifestSet } from '../manifest/index.ts';
import { defaultAgentImage } from './installation.ts';

/** Options of {@link installManifests} and {@link installAgent}. */
export interface InstallOptions {
  /** @default `strata/agent:<this package's version>` */
  readonly image?: string;
  /** @default 'strata-system' */
  readonly namespace?: string;
  /** @default 2 */
  readonly replicas?: number;
  /** ClusterRole Syncs without their own ServiceAccount apply as. @default 'cluster-admin' */
  readonly applierClusterRole?: string;
  /** More arguments of `strata agent` in the Deployment. @default none */
  readonly agentArgs?: readonly string[];
  /** The locked-down install for a shared cluster (StrataAgentProps.lockedDown). @default false */
  readonly lockedDown?: boolean;
  readonly signal?: AbortSignal;
}

/** The objects `strata install` applies (and `--export` prints), in apply order. */
export function installManifests(options: InstallOptions = {}): ManifestSet {
  const props: StrataAgentProps = {
    image: options.image ?? defaultAgentImage(),
    ...(options.namespace === undefined ? {} : { namespace: options.namespace }),
    ...(options.replicas === undefined ? {} : { replicas: options.replicas }),
    ...(options.applierClusterRole === undefined ? {} : { applierClusterRole: options.applierClusterRole }),
    ...(options.agentArgs === undefined ? {} : { extraArgs: options.agentArgs }),
    ...(options.lockedDown ? { lockedDown: true } : {}),
  };
  return ManifestSet.of(StrataAgent.manifests(props).map((object) => ({ object })));
}

/** Applies the agent's objects with server-side apply, CRDs and namespaces first; returns one entry per object. */
export function installAgent(client: KubeClient, options: InstallOptions = {}): Promise<ChangeSet> {
  return applyAllStaged(client, installManifests(options), options.signal ? { signal: options.signal } : {});
}
