// kwok plays the kubelet: it marks the fake node Ready and moves the pods scheduled on it
// through their lifecycle, following the Stage rules below (kwok's "pod-fast" stages, plus a
// stage that keeps pods marked to fail Running but never Ready, as a crash-looping container,
// and one that ends a Job's pod marked to fail with exit code 1, so that the Job fails).
import type { V1Node } from '@kubernetes/client-node';
import { stringify } from 'yaml';

/** Pod annotation that makes kwok keep a pod unready (value {@link FAILING_POD_VALUE}). */
export const FAILING_POD_ANNOTATION = 'strata.dev/fake-pod';
/** Value of {@link FAILING_POD_ANNOTATION} that marks a pod to fail. */
export const FAILING_POD_VALUE = 'fail';
/** Pod annotation whose value kwok writes as the terminated message of a failing Job pod's containers. */
export const FAILING_POD_MESSAGE_ANNOTATION = 'strata.dev/fake-pod-message';
/** Container image that kwok never makes ready (as if the image crashed on start). */
export const FAILING_IMAGE = 'strata.test/fail';

/** Name of the fake node kwok manages. */
export const FAKE_NODE_NAME = 'kwok-node-0';
const MANAGED_ANNOTATION = 'kwok.x-k8s.io/node';

/** The node object kwok takes over; created through the API after kwok has started. */
export function fakeNode(name: string = FAKE_NODE_NAME): V1Node {
  const capacity = { cpu: '32', memory: '256Gi', pods: '110' };
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name,
      annotations: { [MANAGED_ANNOTATION]: 'fake', 'node.alpha.kubernetes.io/ttl': '0' },
      labels: {
        'kubernetes.io/hostname': name,
        'kubernetes.io/os': 'linux',
        'kubernetes.io/arch': 'amd64',
        'kubernetes.io/role': 'agent',
        type: 'kwok',
      },
    },
    spec: {},
    status: { allocatable: capacity, capacity },
  };
}

/** kwok flags: manage only the annotated fake nodes, with the stages in `configFile`. */
export function kwokArgs(kubeconfig: string, configFile: string): string[] {
  return [
    `--kubeconfig=${kubeconfig}`,
    `--config=${configFile}`,
    `--manage-all-nodes=false`,
    `--manage-nodes-with-annotation-selector=${MANAGED_ANNOTATION}=fake`,
    `--node-lease-duration-seconds=40`,
    `--cidr=10.244.0.1/16`,
    `--node-ip=10.99.0.1`,
  ];
}

const NOT_DELETED: MatchExpression = { key: '.metadata.deletionTimestamp', operator: 'DoesNotExist' };
/** Pods kwok has not started yet (no IP). */
const UNSTARTED: MatchExpression[] = [NOT_DELETED, { key: '.status.podIP', operator: 'DoesNotExist' }];
const FAILING_BY_ANNOTATION = (operator: 'In' | 'NotIn'): MatchExpression => ({ key: `.metadata.annotations["${FAILING_POD_ANNOTATION}"]`, operator, values: [FAILING_POD_VALUE] });
const FAILING_BY_IMAGE = (operator: 'In' | 'NotIn'): MatchExpression => ({ key: '.spec.containers.[].image', operator, values: [FAILING_IMAGE, `${FAILING_IMAGE}:latest`] });
const NOT_FAILING = [FAILING_BY_ANNOTATION('NotIn'), FAILING_BY_IMAGE('NotIn')];

interface MatchExpression {
  readonly key: string;
  readonly operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist';
  readonly values?: readonly string[];
}

/** A kwok Stage for pods: the pods it selects and what it does to them. */
function podStage(name: string, matchExpressions: readonly MatchExpression[], next: Record<string, unknown>): Record<string, unknown> {
  return { apiVersion: 'kwok.x-k8s.io/v1alpha1', kind: 'Stage', metadata: { name }, spec: { resourceRef: { apiGroup: 'v1', kind: 'Pod' }, selector: { matchExpressions }, next } };
}

// Pieces of kwok's status templates (Go templates producing YAML), indented as they nest.
const condition = (type: string, status: 'True' | 'False', unready = false): string =>
  `- lastTransitionTime: {{ $now | Quote }}\n  status: "${status}"\n  type: ${type}\n` + (unready ? '  reason: ContainersNotReady\n  message: "containers with unready status"\n' : '');
/** One status entry per container of `list`, with the given fields after image and name. */
const statuses = (field: string, list: string, item: string, fields: string): string =>
  `${field}:\n{{ range ${list} }}\n- image: {{ ${item}.image | Quote }}\n  name: {{ ${item}.name | Quote }}\n${fields}{{ end }}\n`;
const terminated = (indent: string): string =>
  ['state:', '  terminated:', '    exitCode: 0', '    finishedAt: {{ $now | Quote }}', '    reason: Completed', '    startedAt: {{ $now | Quote }}'].map((line) => `${indent}${line}\n`).join('');
const RUNNING_ON_NODE =
  'hostIP: {{ NodeIPWith .spec.nodeName | Quote }}\n' +
  'podIP: {{ PodIPWith .spec.nodeName ( or .spec.hostNetwork false ) ( or .metadata.uid "" ) ( or .metadata.name "" ) ( or .metadata.namespace "" ) | Quote }}\n' +
  'phase: Running\n' +
  'startTime: {{ $now | Quote }}\n';

/** kwok's "pod-fast" ready stage: every container running and ready at once. */
const readyStage = podStage('pod-ready', [...UNSTARTED, ...NOT_FAILING], {
  statusTemplate:
    '{{ $now := Now }}\nconditions:\n' +
    condition('Initialized', 'True') +
    condition('Ready', 'True') +
    condition('ContainersReady', 'True') +
    '{{ range .spec.readinessGates }}\n' +
    condition('{{ .conditionType | Quote }}', 'True') +
    '{{ end }}\n' +
    statuses('containerStatuses', '.spec.containers', '', '  ready: true\n  restartCount: 0\n  started: true\n  state:\n    running:\n      startedAt: {{ $now | Quote }}\n') +
    statuses('initContainerStatuses', '.spec.initContainers', '', `  ready: true\n  restartCount: 0\n${terminated('  ')}`) +
    RUNNING_ON_NODE,
});

/** A stage that keeps matching pods Running with a crash-looping, unready container. */
const crashLoopStage = (name: string, match: MatchExpression): Record<string, unknown> =>
  podStage(name, [...UNSTARTED, match], {
    statusTemplate:
      '{{ $now := Now }}\nconditions:\n' +
      condition('Initialized', 'True') +
      condition('Ready', 'False', true) +
      condition('ContainersReady', 'False', true) +
      statuses(
        'containerStatuses',
        '.spec.containers',
        '',
        '  ready: false\n  restartCount: 3\n  started: false\n  state:\n    waiting:\n      reason: CrashLoopBackOff\n      message: "back-off restarting failed container (simulated by kwok)"\n',
      ) +
      RUNNING_ON_NODE,
  });

/** Pods of Jobs complete once running. */
const completeStage = podStage(
  'pod-complete',
  [NOT_DELETED, { key: '.status.phase', operator: 'In', values: ['Running'] }, { key: '.metadata.ownerReferences.[].kind', operator: 'In', values: ['Job'] }, ...NOT_FAILING],
  {
    statusTemplate:
      '{{ $now := Now }}\n{{ $root := . }}\n' +
      statuses('containerStatuses', '$index, $item := .spec.containers', '$item', `  ready: false\n  restartCount: 0\n  started: false\n${terminated('  ')}`) +
      'phase: Succeeded\n',
  },
);

/**
 * Pods of Jobs marked to fail end Failed, each container terminated with exit code 1 and the
 * message of {@link FAILING_POD_MESSAGE_ANNOTATION}; the Job controller then counts a failure
 * (with `backoffLimit: 0` the Job fails at once). Marked by annotation only: a Job pod with the
 * failing image keeps crash-looping, as a pod with `restartPolicy: OnFailure` does.
 */
const jobFailStage = podStage(
  'pod-job-fail',
  [NOT_DELETED, { key: '.status.phase', operator: 'In', values: ['Running'] }, { key: '.metadata.ownerReferences.[].kind', operator: 'In', values: ['Job'] }, FAILING_BY_ANNOTATION('In')],
  {
    statusTemplate:
      '{{ $now := Now }}\n{{ $root := . }}\n' +
      statuses(
        'containerStatuses',
        '$index, $item := .spec.containers',
        '$item',
        '  ready: false\n  restartCount: 0\n  started: false\n  state:\n    terminated:\n      exitCode: 1\n      reason: Error\n' +
          `      message: {{ or (index $root.metadata.annotations "${FAILING_POD_MESSAGE_ANNOTATION}") "exit status 1" | Quote }}\n` +
          '      finishedAt: {{ $now | Quote }}\n      startedAt: {{ $now | Quote }}\n',
      ) +
      'phase: Failed\n',
  },
);

/** Deleted pods go at once. */
const deleteStage = podStage('pod-delete', [{ key: '.metadata.deletionTimestamp', operator: 'Exists' }], { finalizers: { empty: true }, delete: true });

/** kwok configuration: pod stages (node stages are kwok's defaults). */
export const KWOK_CONFIG = [
  readyStage,
  crashLoopStage('pod-crashloop-annotated', FAILING_BY_ANNOTATION('In')),
  crashLoopStage('pod-crashloop-image', FAILING_BY_IMAGE('In')),
  completeStage,
  jobFailStage,
  deleteStage,
]
  .map((stage) => stringify(stage, { lineWidth: 0 }))
  .join('---\n');
