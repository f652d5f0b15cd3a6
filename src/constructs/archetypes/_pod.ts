import { k8s } from 'cdk8s-plus-28';
import { RESOURCE_TIERS } from '../profile.ts';
import { LABEL_COMPONENT, LABEL_MANAGED_BY, LABEL_NAME, LABEL_PART_OF, type HttpProbe, type Resources, type WorkloadProps } from './workload.ts';

// Pods are built from the cdk8s L1 types (`k8s.KubeDeployment`, ...) rather than the
// cdk8s-plus L2 classes, whose defaults we would otherwise have to undo on every
// workload: a 1 CPU request with a 1.5 CPU limit, `imagePullPolicy: Always`, and a
// `cdk8s.io/metadata.addr` label in the pod template and selector (so a construct
// rename replaces the Deployment). Our defaults are set here, once.

/** @internal */
export interface PodOptions {
  readonly name: string;
  readonly component: string;
  /** Container ports by name; the first is `http` for services. */
  readonly ports?: Readonly<Record<string, number>>;
  readonly probes?: { readonly readiness?: HttpProbe | false; readonly liveness?: HttpProbe | false; readonly startup?: HttpProbe | false };
  readonly restartPolicy?: string;
  readonly serviceAccountName?: string;
}

/** Labels on every object's metadata. @internal */
export function objectLabels(props: WorkloadProps, options: PodOptions): Record<string, string> {
  return {
    ...props.labels,
    [LABEL_NAME]: options.name,
    [LABEL_COMPONENT]: options.component,
    ...(props.partOf === undefined ? {} : { [LABEL_PART_OF]: props.partOf }),
    [LABEL_MANAGED_BY]: 'strata',
  };
}

/** The selector: only the name label, which never changes for the life of the workload. @internal */
export function selectorLabels(name: string): Record<string, string> {
  return { [LABEL_NAME]: name };
}

/** @internal */
export function quantities(values: Readonly<Record<string, string | undefined>> | undefined): Record<string, k8s.Quantity> | undefined {
  if (values === undefined) return undefined;
  const entries = Object.entries(values).filter((entry): entry is [string, string] => entry[1] !== undefined);
  return entries.length === 0 ? undefined : Object.fromEntries(entries.map(([key, value]) => [key, k8s.Quantity.fromString(value)]));
}

function resources(spec: Resources | undefined): k8s.ResourceRequirements {
  const chosen = spec ?? RESOURCE_TIERS.small;
  return { requests: quantities(chosen.requests), limits: quantities(chosen.limits) };
}

function probe(chosen: HttpProbe | false | undefined): k8s.Probe | undefined {
  if (chosen === false || chosen === undefined) return undefined;
  const port = chosen.port ?? 'http';
  return {
    httpGet: { path: chosen.path, port: typeof port === 'number' ? k8s.IntOrString.fromNumber(port) : k8s.IntOrString.fromString(port) },
    initialDelaySeconds: chosen.initialDelaySeconds,
    periodSeconds: chosen.periodSeconds ?? 10,
    timeoutSeconds: chosen.timeoutSeconds ?? 2,
    failureThreshold: chosen.failureThreshold ?? 3,
  };
}

/** Non-root, read-only root filesystem, no privilege escalation, no capabilities, RuntimeDefault seccomp. @internal */
export const DEFAULT_CONTAINER_SECURITY: k8s.SecurityContext = {
  allowPrivilegeEscalation: false,
  readOnlyRootFilesystem: true,
  runAsNonRoot: true,
  capabilities: { drop: ['ALL'] },
  seccompProfile: { type: 'RuntimeDefault' },
};

/** 65532 is the `nonroot` user of distroless and Chainguard images. @internal */
export const DEFAULT_POD_SECURITY: k8s.PodSecurityContext = {
  runAsNonRoot: true,
  runAsUser: 65532,
  runAsGroup: 65532,
  fsGroup: 65532,
  seccompProfile: { type: 'RuntimeDefault' },
};

function topologySpread(props: WorkloadProps, name: string): k8s.TopologySpreadConstraint[] | undefined {
  if (props.topologySpread === false) return undefined;
  if (props.topologySpread !== undefined) return [...props.topologySpread];
  const labelSelector = { matchLabels: selectorLabels(name) };
  return [
    { maxSkew: 1, topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: 'ScheduleAnyway', labelSelector },
    { maxSkew: 1, topologyKey: 'kubernetes.io/hostname', whenUnsatisfiable: 'ScheduleAnyway', labelSelector },
  ];
}

/** The pod template every archetype shares. @internal */
export function podTemplate(props: WorkloadProps, options: PodOptions): k8s.PodTemplateSpec {
  const env = Object.entries(props.env ?? {})
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([name, value]): k8s.EnvVar => ({ name, value }));
  const envFrom = (props.envFrom ?? []).map(
    (source): k8s.EnvFromSource =>
      'configMap' in source ? { configMapRef: { name: source.configMap }, prefix: source.prefix } : { secretRef: { name: source.secret }, prefix: source.prefix },
  );
  const ports = Object.entries(options.ports ?? {}).map(([name, containerPort]): k8s.ContainerPort => ({ name, containerPort, protocol: 'TCP' }));
  const container: k8s.Container = {
    name: options.name,
    image: props.image,
    imagePullPolicy: 'IfNotPresent',
    command: props.command === undefined ? undefined : [...props.command],
    args: props.args === undefined ? undefined : [...props.args],
    ports: ports.length === 0 ? undefined : ports,
    env: env.length === 0 ? undefined : env,
    envFrom: envFrom.length === 0 ? undefined : envFrom,
    resources: resources(props.resources),
    readinessProbe: probe(options.probes?.readiness),
    livenessProbe: probe(options.probes?.liveness),
    startupProbe: probe(options.probes?.startup),
    securityContext: { ...DEFAULT_CONTAINER_SECURITY, ...props.securityContext },
    // A read-only root filesystem still needs somewhere to write temporary files.
    volumeMounts: [{ name: 'tmp', mountPath: '/tmp' }],
  };
  return {
    metadata: { labels: { ...objectLabels(props, options) } },
    spec: {
      serviceAccountName: options.serviceAccountName,
      // Pods talk to the API server only when they say so (RBAC is opt-in too).
      automountServiceAccountToken: false,
      securityContext: DEFAULT_POD_SECURITY,
      terminationGracePeriodSeconds: props.terminationGracePeriodSeconds ?? 30,
      restartPolicy: options.restartPolicy,
      topologySpreadConstraints: topologySpread(props, options.name),
      containers: [container],
      volumes: [{ name: 'tmp', emptyDir: { sizeLimit: k8s.Quantity.fromString('64Mi') } }],
    },
  };
}

/** Problems common to every workload, for `node.addValidation`. @internal */
export function validateWorkload(props: WorkloadProps): string[] {
  const problems: string[] = [];
  const image = props.image;
  const lastSlash = image.lastIndexOf('/');
  const hasDigest = image.includes('@sha256:');
  const hasTag = image.indexOf(':', lastSlash + 1) >= 0;
  if (!hasDigest && !hasTag) problems.push(`image "${image}" has neither a tag nor a digest; pin it`);
  if (!hasDigest && image.endsWith(':latest')) problems.push(`image "${image}" uses the mutable tag "latest"; pin a version`);
  return problems;
}
