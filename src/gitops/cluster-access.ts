/**
 * Before bootstrap writes anything: the right cluster (the context exists, the
 * API server answers, the cluster is not already bootstrapped as another
 * environment) and enough rights to install the agent (self subject access
 * reviews). Each failure is a BootstrapError naming the server and what is missing.
 */
import { KubeConfig } from '@kubernetes/client-node';
import { KubeClient, loadKubeConfig } from '../kube/index.ts';
import { SYNC_API_VERSION, SYNC_GROUP, SYNC_PLURAL } from '../api/index.ts';
import { BootstrapError } from './errors.ts';
import { PART_OF_LABEL, PART_OF_VALUE, ROOT_SYNC_NAMESPACE } from './root-sync.ts';

export interface ClusterAccessProps {
  readonly cluster: string;
  /** A KubeConfig or a kubeconfig file. @default $KUBECONFIG, ~/.kube/config or in-cluster config */
  readonly kubeconfig?: KubeConfig | string;
  /** @default the kubeconfig's current context */
  readonly context?: string;
}

/** The kubeconfig with the asked context selected; fails naming the contexts there are. */
export function selectContext(props: ClusterAccessProps): KubeConfig {
  let config: KubeConfig;
  try {
    config = props.kubeconfig instanceof KubeConfig ? props.kubeconfig : loadKubeConfig(props.kubeconfig);
  } catch (error) {
    throw new BootstrapError('context', props.cluster, `cannot read the kubeconfig${typeof props.kubeconfig === 'string' ? ` ${props.kubeconfig}` : ''}: ${(error as Error).message}`, { cause: error });
  }
  if (props.context === undefined) return config;
  const names = config.getContexts().map((context) => context.name);
  if (!names.includes(props.context)) {
    throw new BootstrapError('context', props.cluster, `context ${JSON.stringify(props.context)} is not in the kubeconfig (contexts: ${names.join(', ') || 'none'})`);
  }
  const copy = new KubeConfig();
  copy.loadFromString(config.exportConfig());
  copy.setCurrentContext(props.context);
  return copy;
}

/** What bootstrap must be allowed to do (server-side apply is a patch that may create). */
const REQUIRED: readonly { group: string; resource: string; namespaced: boolean; verbs: readonly string[] }[] = [
  { group: 'apiextensions.k8s.io', resource: 'customresourcedefinitions', namespaced: false, verbs: ['get', 'create', 'patch'] },
  { group: '', resource: 'namespaces', namespaced: false, verbs: ['get', 'create', 'patch'] },
  { group: 'rbac.authorization.k8s.io', resource: 'clusterroles', namespaced: false, verbs: ['create', 'patch', 'bind'] },
  { group: 'rbac.authorization.k8s.io', resource: 'clusterrolebindings', namespaced: false, verbs: ['create', 'patch'] },
  { group: '', resource: 'serviceaccounts', namespaced: true, verbs: ['create', 'patch'] },
  { group: 'rbac.authorization.k8s.io', resource: 'roles', namespaced: true, verbs: ['create', 'patch'] },
  { group: 'rbac.authorization.k8s.io', resource: 'rolebindings', namespaced: true, verbs: ['create', 'patch'] },
  { group: 'apps', resource: 'deployments', namespaced: true, verbs: ['create', 'patch'] },
  { group: '', resource: 'services', namespaced: true, verbs: ['create', 'patch'] },
  { group: '', resource: 'secrets', namespaced: true, verbs: ['get', 'create', 'patch'] },
  { group: SYNC_GROUP, resource: SYNC_PLURAL, namespaced: true, verbs: ['get', 'create', 'patch'] },
];

/**
 * The rights to install the agent (and bootstrap) the caller lacks, each as `verb resource[.group][ in namespace]`,
 * sorted; empty when it has them all. Asked with SelfSubjectAccessReviews.
 */
export async function deniedInstallRights(client: KubeClient, namespace: string = ROOT_SYNC_NAMESPACE): Promise<string[]> {
  const reviews = REQUIRED.flatMap((rule) => rule.verbs.map((verb) => ({ rule, verb })));
  const denied: string[] = [];
  await Promise.all(
    reviews.map(async ({ rule, verb }) => {
      const review = await client.request<{ status?: { allowed?: boolean } }>('POST', '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews', {
        apiVersion: 'authorization.k8s.io/v1',
        kind: 'SelfSubjectAccessReview',
        spec: { resourceAttributes: { group: rule.group, resource: rule.resource, verb, ...(rule.namespaced ? { namespace } : {}) } },
      });
      if (review.status?.allowed !== true) denied.push(`${verb} ${rule.resource}${rule.group ? `.${rule.group}` : ''}${rule.namespaced ? ` in ${namespace}` : ''}`);
    }),
  );
  return denied.sort();
}

/** Checks the API server answers and the rights to install the agent; throws one error listing every missing right. */
export async function checkAccess(client: KubeClient, props: { readonly cluster: string; readonly server: string }): Promise<void> {
  try {
    await client.request('GET', '/version');
  } catch (error) {
    throw new BootstrapError('context', props.cluster, `the API server ${props.server} does not answer: ${(error as Error).message}`, { cause: error });
  }
  const denied = await deniedInstallRights(client);
  if (denied.length > 0) {
    throw new BootstrapError('permissions', props.cluster, `insufficient permissions on ${props.server}: may not ${denied.join(', ')} (bootstrap needs cluster-admin or equivalent; nothing was changed)`);
  }
}

/** Refuses a cluster already bootstrapped as another environment: the usual sign of a wrong --context. */
export async function checkNotOtherCluster(client: KubeClient, props: { readonly cluster: string; readonly server: string }): Promise<void> {
  let items: { metadata: { name: string } }[];
  try {
    const list = await client.request<{ items: { metadata: { name: string } }[] }>('GET', `/apis/${SYNC_API_VERSION}/namespaces/${ROOT_SYNC_NAMESPACE}/${SYNC_PLURAL}`, undefined, {
      query: { labelSelector: `${PART_OF_LABEL}=${PART_OF_VALUE}` },
    });
    items = list.items;
  } catch {
    return; // no Sync CRD yet: a new cluster
  }
  const others = items.map((item) => item.metadata.name).filter((name) => name !== props.cluster);
  if (others.length > 0) {
    throw new BootstrapError(
      'context',
      props.cluster,
      `${props.server} is already bootstrapped as ${others.join(', ')} (root Sync ${ROOT_SYNC_NAMESPACE}/${others[0]}), not ${props.cluster}: wrong --context?`,
    );
  }
}
