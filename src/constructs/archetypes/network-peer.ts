import { k8s } from 'cdk8s-plus-28';
import { LABEL_NAME } from './workload.ts';

/**
 * Who may connect, or be connected to, in the words people use: "the pods of app X",
 * "anything in namespace Y", "app X in namespace Y", or "addresses in this range".
 */
export interface NetworkPeer {
  /** An IP range (`ipBlock`), for what runs outside the cluster; excludes `app` and `namespace`. @default none */
  readonly cidr?: string;
  /** Pods whose `app.kubernetes.io/name` is this. @default every pod (of the namespace) */
  readonly app?: string;
  /** Namespace by name. @default the policy's own namespace */
  readonly namespace?: string;
}

/** @internal */
export function toPeer(peer: NetworkPeer): k8s.NetworkPolicyPeer {
  if (peer.cidr !== undefined) return { ipBlock: { cidr: peer.cidr } };
  return {
    podSelector: peer.app === undefined ? (peer.namespace === undefined ? {} : undefined) : { matchLabels: { [LABEL_NAME]: peer.app } },
    namespaceSelector: peer.namespace === undefined ? undefined : { matchLabels: { 'kubernetes.io/metadata.name': peer.namespace } },
  };
}
