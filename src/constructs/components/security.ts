import * as kplus from 'cdk8s-plus-28';
import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';

/** Pod Security Standards levels, strictest last. */
export type PodSecurityLevel = 'privileged' | 'baseline' | 'restricted';

export interface SecureNamespaceProps {
  /**
   * Pod Security Admission level enforced; audit and warn are always `restricted`, so
   * a namespace that must relax enforcement still reports what breaks the strict level.
   * @default 'restricted'
   */
  readonly enforce?: PodSecurityLevel;
  /** The Kubernetes minor the policy is pinned to, so upgrades do not tighten it silently. @default 'v1.28' */
  readonly version?: string;
  /** @default none */
  readonly labels?: Readonly<Record<string, string>>;
}

/** A Namespace with Pod Security Admission labels. */
export class SecureNamespace extends Construct {
  readonly name: string;
  constructor(scope: Construct, id: string, props: SecureNamespaceProps = {}) {
    super(scope, id);
    this.name = id;
    const version = props.version ?? 'v1.28';
    new k8s.KubeNamespace(this, 'Namespace', {
      metadata: {
        name: id,
        labels: {
          ...props.labels,
          'pod-security.kubernetes.io/enforce': props.enforce ?? 'restricted',
          'pod-security.kubernetes.io/enforce-version': version,
          'pod-security.kubernetes.io/audit': 'restricted',
          'pod-security.kubernetes.io/audit-version': version,
          'pod-security.kubernetes.io/warn': 'restricted',
          'pod-security.kubernetes.io/warn-version': version,
        },
      },
    });
  }
}

export type AccessLevel = 'view' | 'deploy';

export interface TeamAccessProps {
  readonly namespace: string;
  /** The identity provider group the team's members are in. */
  readonly group: string;
  /**
   * `view` reads workloads and their logs; `deploy` may also restart and scale them
   * (everything else goes through Git).
   * @default 'view'
   */
  readonly level?: AccessLevel;
}

/**
 * Namespaced RBAC for a team: a Role and a RoleBinding to the team's group. Built with
 * cdk8s-plus, whose RBAC API is typed by resource and whose defaults add nothing here.
 */
export class TeamAccess extends Construct {
  constructor(scope: Construct, id: string, props: TeamAccessProps) {
    super(scope, id);
    const metadata = { name: id, namespace: props.namespace };
    const role = new kplus.Role(this, 'Role', { metadata });
    const read = [kplus.ApiResource.PODS, kplus.ApiResource.DEPLOYMENTS, kplus.ApiResource.REPLICA_SETS, kplus.ApiResource.JOBS, kplus.ApiResource.CRON_JOBS, kplus.ApiResource.SERVICES, kplus.ApiResource.CONFIG_MAPS, kplus.ApiResource.EVENTS];
    role.allow(['get', 'list', 'watch'], ...read);
    role.allow(['get'], kplus.ApiResource.custom({ apiGroup: '', resourceType: 'pods/log' }));
    if ((props.level ?? 'view') === 'deploy') {
      role.allow(['patch'], kplus.ApiResource.DEPLOYMENTS);
      role.allow(['update', 'patch'], kplus.ApiResource.custom({ apiGroup: 'apps', resourceType: 'deployments/scale' }));
      role.allow(['create'], kplus.ApiResource.JOBS);
    }
    const binding = new kplus.RoleBinding(this, 'RoleBinding', { metadata, role });
    binding.addSubjects(kplus.Group.fromName(this, 'Group', props.group));
  }
}
