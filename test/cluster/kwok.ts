// kwok plays the kubelet: it marks the fake node Ready and moves the pods scheduled on it
// through their lifecycle, following the Stage rules below (kwok's "pod-fast" stages, plus a
// stage that keeps pods marked to fail Running but never Ready, as a crash-looping container).
import type { V1Node } from '@kubernetes/client-node';

/** Pod annotation that makes kwok keep a pod unready (value {@link FAILING_POD_VALUE}). */
export const FAILING_POD_ANNOTATION = 'strata.dev/fake-pod';
/** Value of {@link FAILING_POD_ANNOTATION} that marks a pod to fail. */
export const FAILING_POD_VALUE = 'fail';
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

const notFailing = `
    - key: '.metadata.annotations["${FAILING_POD_ANNOTATION}"]'
      operator: 'NotIn'
      values: ['${FAILING_POD_VALUE}']
    - key: '.spec.containers.[].image'
      operator: 'NotIn'
      values: ['${FAILING_IMAGE}', '${FAILING_IMAGE}:latest']`;

const failingByAnnotation = `
    - key: '.metadata.annotations["${FAILING_POD_ANNOTATION}"]'
      operator: 'In'
      values: ['${FAILING_POD_VALUE}']`;
const failingByImage = `
    - key: '.spec.containers.[].image'
      operator: 'In'
      values: ['${FAILING_IMAGE}', '${FAILING_IMAGE}:latest']`;

/** A stage that keeps matching pods Running with a crash-looping, unready container. */
const crashLoopStage = (name: string, match: string): string => `---
apiVersion: kwok.x-k8s.io/v1alpha1
kind: Stage
metadata:
  name: ${name}
spec:
  resourceRef:
    apiGroup: v1
    kind: Pod
  selector:
    matchExpressions:
    - key: '.metadata.deletionTimestamp'
      operator: 'DoesNotExist'
    - key: '.status.podIP'
      operator: 'DoesNotExist'${match}
  next:
    statusTemplate: |
      {{ $now := Now }}
      conditions:
      - lastTransitionTime: {{ $now | Quote }}
        status: "True"
        type: Initialized
      - lastTransitionTime: {{ $now | Quote }}
        status: "False"
        type: Ready
        reason: ContainersNotReady
        message: "containers with unready status"
      - lastTransitionTime: {{ $now | Quote }}
        status: "False"
        type: ContainersReady
        reason: ContainersNotReady
        message: "containers with unready status"
      containerStatuses:
      {{ range .spec.containers }}
      - image: {{ .image | Quote }}
        name: {{ .name | Quote }}
        ready: false
        restartCount: 3
        started: false
        state:
          waiting:
            reason: CrashLoopBackOff
            message: "back-off restarting failed container (simulated by kwok)"
      {{ end }}
      hostIP: {{ NodeIPWith .spec.nodeName | Quote }}
      podIP: {{ PodIPWith .spec.nodeName ( or .spec.hostNetwork false ) ( or .metadata.uid "" ) ( or .metadata.name "" ) ( or .metadata.namespace "" ) | Quote }}
      phase: Running
      startTime: {{ $now | Quote }}
`;

/** kwok configuration: pod stages (node stages are kwok's defaults). */
export const KWOK_CONFIG = `apiVersion: kwok.x-k8s.io/v1alpha1
kind: Stage
metadata:
  name: pod-ready
spec:
  resourceRef:
    apiGroup: v1
    kind: Pod
  selector:
    matchExpressions:
    - key: '.metadata.deletionTimestamp'
      operator: 'DoesNotExist'
    - key: '.status.podIP'
      operator: 'DoesNotExist'${notFailing}
  next:
    statusTemplate: |
      {{ $now := Now }}
      conditions:
      - lastTransitionTime: {{ $now | Quote }}
        status: "True"
        type: Initialized
      - lastTransitionTime: {{ $now | Quote }}
        status: "True"
        type: Ready
      - lastTransitionTime: {{ $now | Quote }}
        status: "True"
        type: ContainersReady
      {{ range .spec.readinessGates }}
      - lastTransitionTime: {{ $now | Quote }}
        status: "True"
        type: {{ .conditionType | Quote }}
      {{ end }}
      containerStatuses:
      {{ range .spec.containers }}
      - image: {{ .image | Quote }}
        name: {{ .name | Quote }}
        ready: true
        restartCount: 0
        started: true
        state:
          running:
            startedAt: {{ $now | Quote }}
      {{ end }}
      initContainerStatuses:
      {{ range .spec.initContainers }}
      - image: {{ .image | Quote }}
        name: {{ .name | Quote }}
        ready: true
        restartCount: 0
        state:
          terminated:
            exitCode: 0
            finishedAt: {{ $now | Quote }}
            reason: Completed
            startedAt: {{ $now | Quote }}
      {{ end }}
      hostIP: {{ NodeIPWith .spec.nodeName | Quote }}
      podIP: {{ PodIPWith .spec.nodeName ( or .spec.hostNetwork false ) ( or .metadata.uid "" ) ( or .metadata.name "" ) ( or .metadata.namespace "" ) | Quote }}
      phase: Running
      startTime: {{ $now | Quote }}
${crashLoopStage('pod-crashloop-annotated', failingByAnnotation)}${crashLoopStage('pod-crashloop-image', failingByImage)}---
apiVersion: kwok.x-k8s.io/v1alpha1
kind: Stage
metadata:
  name: pod-complete
spec:
  resourceRef:
    apiGroup: v1
    kind: Pod
  selector:
    matchExpressions:
    - key: '.metadata.deletionTimestamp'
      operator: 'DoesNotExist'
    - key: '.status.phase'
      operator: 'In'
      values: ['Running']
    - key: '.metadata.ownerReferences.[].kind'
      operator: 'In'
      values: ['Job']${notFailing}
  next:
    statusTemplate: |
      {{ $now := Now }}
      {{ $root := . }}
      containerStatuses:
      {{ range $index, $item := .spec.containers }}
      - image: {{ $item.image | Quote }}
        name: {{ $item.name | Quote }}
        ready: false
        restartCount: 0
        started: false
        state:
          terminated:
            exitCode: 0
            finishedAt: {{ $now | Quote }}
            reason: Completed
            startedAt: {{ $now | Quote }}
      {{ end }}
      phase: Succeeded
---
apiVersion: kwok.x-k8s.io/v1alpha1
kind: Stage
metadata:
  name: pod-delete
spec:
  resourceRef:
    apiGroup: v1
    kind: Pod
  selector:
    matchExpressions:
    - key: '.metadata.deletionTimestamp'
      operator: 'Exists'
  next:
    finalizers:
      empty: true
    delete: true
`;
