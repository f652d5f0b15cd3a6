import { k8s } from 'cdk8s-plus-28';
import { LABEL_NAME } from './workload.ts';

/**
 * Who may connect, in the words people use: "the pods of app X", "anything in
 * namespace Y", or "app X in namespace Y".
 */
export interface NetworkPeer {
  /** Pods whose `app.kubernetes.io/name` is this. @default every pod (of the namespace) */
  readonly app?: string;
  /** Namespace by name. @default the policy's own namespace */
  readonly namespace?: string;
}

/** @internal */
export function toPeer(peer: NetworkPeer): k8s.NetworkPolicyPeer {
  return {
    podSelector: peer.app === undefined ? (peer.namespace === undefined ? {} : undefined) : { matchLabels: { [LABEL_NAME]: peer.app } },
    namespaceSelector: peer.namespace === undefined ? undefined : { matchLabels: { 'kubernetes.io/metadata.name': peer.namespace } },
  };
}
