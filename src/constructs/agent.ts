/**
 * The Strata agent's own manifests as a construct, so a cluster that includes
 * it has its agent managed by itself: the Sync and ImageUpdate CRDs, the
 * namespace, the ServiceAccounts, least-privilege RBAC and the Deployment (two
 * replicas with leader election).
 *
 * Two identities, so that what the agent may do is explicit and replaceable:
 * - `strata-agent` runs the controllers: Syncs and their status, ImageUpdates
 *   and their status, Events, its Lease, reading Secrets named by them (get,
 *   never list or watch), and impersonating ServiceAccounts: nothing else. It
 *   reads no object a Sync manages: apply, prune, health and the drift watch run
 *   as the Sync's applying identity, so no Sync sees through the agent what its
 *   own identity may not read.
 * - `strata-applier` is the identity Syncs without `serviceAccountName` apply
 *   and prune as (by impersonation). It is bound to `applierClusterRole`
 *   (cluster-admin unless narrowed). Tenant Syncs name their own account.
 */
import { ApiObject, App, Chart } from 'cdk8s';
import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import type { KubeObject } from '../manifest/index.ts';
import { IMAGE_UPDATE_CRD, IMAGE_UPDATE_PLURAL, SYNC_CRD, SYNC_GROUP, SYNC_PLURAL, validateShard } from '../api/index.ts';

export interface StrataAgentProps {
  /** The agent image (built from the repository's Dockerfile). */
  readonly image: string;
  /** @default 'strata-system' */
  readonly namespace?: string;
  /** @default 2 */
  readonly replicas?: number;
  /** ClusterRole bound to the applier account. @default 'cluster-admin' */
  readonly applierClusterRole?: string;
  /** Webhooks told when a Sync turns not-Ready or recovers. @default none */
  readonly alertUrls?: readonly string[];
  /** @default 'json' */
  readonly alertFormat?: 'json' | 'slack';
  /**
   * A Secret of the agent's namespace whose `secret` key holds the webhook secret(s) forges sign
   * `/hook` deliveries with: mounted read-only and passed as `--webhook-secret-file`. Without it
   * `/hook` refuses every delivery (docs/agent.md#webhooks).
   * @default none
   */
  readonly webhookSecretName?: string;
  /** Extra arguments of `strata agent`. @default none */
  readonly extraArgs?: readonly string[];
  /**
   * The locked-down install for a shared cluster (Flux's multi-tenancy lockdown): a Sync
   * without `serviceAccountName` applies as `strata-applier` of its own namespace (which
   * exists, bound to cluster-admin, only in the agent's namespace), `dependsOn` may not leave
   * the Sync's namespace, and only the agent's namespace may use `file://` repositories.
   * @default false
   */
  readonly lockedDown?: boolean;
  /**
   * Shards besides the default one (docs/agent.md#sharding): for each key a Deployment and a
   * Service `strata-agent-shard-<key>` of `replicas` agents with `--shard=<key>`, reconciling the
   * Syncs and ImageUpdates labelled `strata.dev/shard: <key>`; the main Deployment keeps those
   * without the label.
   * @default none
   */
  readonly shards?: readonly string[];
}


export const AGENT_NAME = 'strata-agent';
/** Where StrataAgentProps.webhookSecretName is mounted. */
const WEBHOOK_SECRET_DIR = '/etc/strata/webhook';
export const APPLIER_NAME = 'strata-applier';

/** The `strata agent` flags of the locked-down install (StrataAgentProps.lockedDown), for installers. */
export const LOCKED_DOWN_AGENT_ARGS: readonly string[] = [`--default-service-account=${APPLIER_NAME}`, '--no-cross-namespace-refs'];

export class StrataAgent extends Construct {
  /** The agent's objects on their own, outside any cluster (what `strata install` applies), in construction order. */
  static manifests(props: StrataAgentProps): KubeObject[] {
    const chart = new Chart(new App(), 'strata-install');
    new StrataAgent(chart, 'strata-system', props);
    return chart.toJson() as KubeObject[];
  }

  readonly namespace: string;

  constructor(scope: Construct, id: string, props: StrataAgentProps) {
    super(scope, id);
    const namespace = props.namespace ?? 'strata-system';
    this.namespace = namespace;
    const labels = { 'app.kubernetes.io/name': AGENT_NAME, 'app.kubernetes.io/part-of': 'strata' };
    // Cluster-scoped names carry the namespace of any install but the default, so two installs do not take each other's roles.
    const clusterScoped = (name: string): string => (namespace === 'strata-system' ? name : `${name}-${namespace}`);

    new ApiObject(this, 'SyncCrd', { apiVersion: SYNC_CRD.apiVersion, kind: SYNC_CRD.kind, metadata: { name: SYNC_CRD.metadata.name }, spec: SYNC_CRD.spec });
    new ApiObject(this, 'ImageUpdateCrd', {
      apiVersion: IMAGE_UPDATE_CRD.apiVersion,
      kind: IMAGE_UPDATE_CRD.kind,
      metadata: { name: IMAGE_UPDATE_CRD.metadata.name },
      spec: IMAGE_UPDATE_CRD.spec,
    });
    new k8s.KubeNamespace(this, 'Namespace', {
      metadata: { name: namespace, labels: { ...labels, 'pod-security.kubernetes.io/enforce': 'restricted' } },
    });
    new k8s.KubeServiceAccount(this, 'AgentAccount', { metadata: { name: AGENT_NAME, namespace, labels } });
    new k8s.KubeServiceAccount(this, 'ApplierAccount', { metadata: { name: APPLIER_NAME, namespace, labels } });

    new k8s.KubeClusterRole(this, 'AgentRole', {
      metadata: { name: clusterScoped(AGENT_NAME), labels },
      rules: [
        { apiGroups: [SYNC_GROUP], resources: [SYNC_PLURAL], verbs: ['get', 'list', 'watch', 'patch', 'update'] },
        { apiGroups: [SYNC_GROUP], resources: [`${SYNC_PLURAL}/status`], verbs: ['get', 'patch', 'update'] },
        // Image update automation: reads its objects, writes only their status.
        { apiGroups: [SYNC_GROUP], resources: [IMAGE_UPDATE_PLURAL], verbs: ['get', 'list', 'watch'] },
        { apiGroups: [SYNC_GROUP], resources: [`${IMAGE_UPDATE_PLURAL}/status`], verbs: ['get', 'patch', 'update'] },
        { apiGroups: ['events.k8s.io'], resources: ['events'], verbs: ['create', 'patch'] },
        { apiGroups: [''], resources: ['events'], verbs: ['create', 'patch'] },
        // Git credentials, registry credentials and decryption keys named by Syncs and ImageUpdates; get only, never list.
        { apiGroups: [''], resources: ['secrets'], verbs: ['get'] },
        // Apply, prune, health and the drift watch happen as the applier or the Sync's own account.
        { apiGroups: [''], resources: ['serviceaccounts'], verbs: ['impersonate'] },
      ],
    });
    new k8s.KubeClusterRoleBinding(this, 'AgentBinding', {
      metadata: { name: clusterScoped(AGENT_NAME), labels },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: clusterScoped(AGENT_NAME) },
      subjects: [{ kind: 'ServiceAccount', name: AGENT_NAME, namespace }],
    });
    new k8s.KubeRole(this, 'LeaseRole', {
      metadata: { name: `${AGENT_NAME}-leader-election`, namespace, labels },
      rules: [{ apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['get', 'create', 'update'] }],
    });
    new k8s.KubeRoleBinding(this, 'LeaseBinding', {
      metadata: { name: `${AGENT_NAME}-leader-election`, namespace, labels },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: `${AGENT_NAME}-leader-election` },
      subjects: [{ kind: 'ServiceAccount', name: AGENT_NAME, namespace }],
    });
    new k8s.KubeClusterRoleBinding(this, 'ApplierBinding', {
      metadata: { name: clusterScoped(APPLIER_NAME), labels },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: props.applierClusterRole ?? 'cluster-admin' },
      subjects: [{ kind: 'ServiceAccount', name: APPLIER_NAME, namespace }],
    });

    const args = [
      'agent',
      `--namespace=${namespace}`,
      // Unless extraArgs name another (a lockdown choice): yargs would make a flag given twice a list.
      ...(props.lockedDown
        ? LOCKED_DOWN_AGENT_ARGS
        : (props.extraArgs ?? []).some((arg) => arg.startsWith('--default-service-account'))
          ? []
          : [`--default-service-account=${namespace}/${APPLIER_NAME}`]),
      '--cache-dir=/cache',
      ...(props.alertUrls ?? []).map((url) => `--alert-url=${url}`),
      ...(props.alertUrls?.length ? [`--alert-format=${props.alertFormat ?? 'json'}`] : []),
      ...(props.webhookSecretName ? [`--webhook-secret-file=${WEBHOOK_SECRET_DIR}/secret`] : []),
      ...(props.extraArgs ?? []),
    ];
    this.workload('', AGENT_NAME, labels, args, props);
    for (const shard of props.shards ?? []) {
      const name = `${AGENT_NAME}-shard-${validateShard(shard)}`;
      // Labels of their own: the main Deployment's selector (immutable) must not match a shard's pods.
      this.workload(`Shard-${shard}`, name, { 'app.kubernetes.io/name': `${AGENT_NAME}-shard`, 'app.kubernetes.io/instance': name, 'app.kubernetes.io/part-of': 'strata' }, [...args, `--shard=${shard}`], props);
    }
  }

  /** The agent's Deployment and Service: the main one (id '') or a shard's. */
  private workload(id: string, name: string, labels: Readonly<Record<string, string>>, args: readonly string[], props: StrataAgentProps): void {
    new k8s.KubeDeployment(this, `${id}Deployment`, {
      metadata: { name, namespace: this.namespace, labels },
      spec: {
        replicas: props.replicas ?? 2,
        selector: { matchLabels: labels },
        template: {
          metadata: { labels },
          spec: {
            serviceAccountName: AGENT_NAME,
            securityContext: { runAsNonRoot: true, runAsUser: 1000, runAsGroup: 1000, fsGroup: 1000, seccompProfile: { type: 'RuntimeDefault' } },
            containers: [
              {
                name: 'agent',
                image: props.image,
                args: [...args],
                env: [
                  { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
                  { name: 'POD_NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
                  { name: 'HOME', value: '/tmp' },
                ],
                ports: [{ name: 'http', containerPort: 8080 }],
                livenessProbe: { httpGet: { path: '/healthz', port: k8s.IntOrString.fromString('http') }, periodSeconds: 10 },
                readinessProbe: { httpGet: { path: '/readyz', port: k8s.IntOrString.fromString('http') }, periodSeconds: 5 },
                resources: {
                  requests: { cpu: k8s.Quantity.fromString('100m'), memory: k8s.Quantity.fromString('128Mi') },
                  // The agent stays near 150 MB; an ImageUpdate's compiler child (type-check included) adds about 350 MB.
                  limits: { memory: k8s.Quantity.fromString('1Gi') },
                },
                securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } },
                volumeMounts: [
                  { name: 'cache', mountPath: '/cache' },
                  { name: 'tmp', mountPath: '/tmp' },
                  ...(props.webhookSecretName ? [{ name: 'webhook-secret', mountPath: WEBHOOK_SECRET_DIR, readOnly: true }] : []),
                ],
              },
            ],
            volumes: [
              { name: 'cache', emptyDir: {} },
              { name: 'tmp', emptyDir: {} },
              ...(props.webhookSecretName ? [{ name: 'webhook-secret', secret: { secretName: props.webhookSecretName, items: [{ key: 'secret', path: 'secret' }] } }] : []),
            ],
          },
        },
      },
    });
    new k8s.KubeService(this, `${id}Service`, {
      metadata: { name, namespace: this.namespace, labels },
      spec: { selector: labels, ports: [{ name: 'http', port: 80, targetPort: k8s.IntOrString.fromString('http') }] },
    });
  }
}

