/**
 * The `ImageUpdate` custom resource (strata.dev/v1alpha1): image update
 * automation run by the agent against a writable Git remote, Flux's
 * ImageUpdateAutomation made simpler (the policies live in the repository,
 * beside each environment's image lock). Types and CRD live together so they
 * cannot drift; the CRD is shipped with the agent construct.
 */
import type { KubeObject } from '../manifest/index.ts';
import { parseDuration, SYNC_API_VERSION, SYNC_GROUP, SYNC_VERSION, type ConditionStatus, type LocalObjectReference } from './sync.ts';

export const IMAGE_UPDATE_API_VERSION = SYNC_API_VERSION;
export const IMAGE_UPDATE_KIND = 'ImageUpdate';
export const IMAGE_UPDATE_PLURAL = 'imageupdates';

export interface ImageUpdateGit {
  /** HTTP(S) URL of the writable remote. Never put credentials in it: use secretRef. */
  readonly url: string;
  /** The branch to update and push to. @default 'main' */
  readonly branch?: string;
  /** A Secret in the object's namespace with `username` and `password` (HTTP basic auth; a token as password works). @default anonymous */
  readonly secretRef?: LocalObjectReference;
}

export interface ImageUpdateAuthor {
  readonly name: string;
  readonly email: string;
}

export interface ImageUpdateSpec {
  /** How often to scan and update (Go duration). @default '5m' */
  readonly interval?: string;
  /** Stop running; the last status stays. @default false */
  readonly suspend?: boolean;
  readonly git: ImageUpdateGit;
  /** A Secret of type kubernetes.io/dockerconfigjson (key `.dockerconfigjson`) with registry credentials. @default anonymous pulls */
  readonly registrySecretRef?: LocalObjectReference;
  /** Environments (`clusters/<env>/`) to update. @default every environment with an images.json */
  readonly environments?: readonly string[];
  /** Author and committer of the commits. @default 'Strata image automation <image-automation@strata.invalid>' */
  readonly author?: ImageUpdateAuthor;
}

/** Why the last run of image automation ended, as a closed set. */
export type ImageUpdateReason = 'Updated' | 'UpToDate' | 'PartiallyUpdated' | 'PushConflict' | 'ScanFailed' | 'RecompileFailed' | 'GitFailed';

/** The run's reasons, and those of the agent around the run. */
export type ImageUpdateConditionReason = ImageUpdateReason | 'InvalidSpec';

export interface ImageUpdateCondition {
  readonly type: 'Ready';
  readonly status: ConditionStatus;
  readonly reason: ImageUpdateConditionReason;
  readonly message: string;
  readonly lastTransitionTime: string;
  readonly observedGeneration?: number;
}

export interface ImageUpdateStatusChange {
  readonly environment: string;
  readonly component: string;
  readonly from: string;
  readonly to: string;
}

export interface ImageUpdateObjectStatus {
  readonly observedGeneration?: number;
  readonly conditions?: readonly ImageUpdateCondition[];
  /** The last commit the automation pushed. */
  readonly lastPushedCommit?: string;
  /** The remote tip the last run started from. */
  readonly observedCommit?: string;
  readonly lastRunTime?: string;
  /** The images the last pushed commit changed. */
  readonly lastChanges?: readonly ImageUpdateStatusChange[];
  /** The value of the reconcile-requested-at annotation last handled. */
  readonly lastHandledReconcileAt?: string;
}

export interface ImageUpdate extends KubeObject {
  readonly apiVersion: typeof IMAGE_UPDATE_API_VERSION;
  readonly kind: typeof IMAGE_UPDATE_KIND;
  readonly metadata: KubeObject['metadata'] & {
    readonly namespace?: string;
    readonly generation?: number;
    readonly resourceVersion?: string;
    readonly uid?: string;
    readonly deletionTimestamp?: string;
  };
  readonly spec: ImageUpdateSpec;
  readonly status?: ImageUpdateObjectStatus;
}

/** The defaults, applied in one place by {@link resolveImageUpdateSpec}. */
export const IMAGE_UPDATE_DEFAULTS = { interval: '5m', branch: 'main' } as const;

export interface ResolvedImageUpdateSpec {
  readonly intervalMs: number;
  readonly branch: string;
}

/** Fills in the defaults; throws an error naming the field when one is invalid. */
export function resolveImageUpdateSpec(spec: ImageUpdateSpec): ResolvedImageUpdateSpec {
  let intervalMs: number;
  try {
    intervalMs = parseDuration(spec.interval ?? IMAGE_UPDATE_DEFAULTS.interval);
  } catch (error) {
    throw new Error(`spec.interval: ${(error as Error).message}`, { cause: error });
  }
  // A zero interval would spin: every run clones, scans and compiles.
  if (intervalMs < 1000) throw new Error(`spec.interval: ${JSON.stringify(spec.interval)} is shorter than 1s`);
  if (typeof spec.git?.url !== 'string' || spec.git.url === '') throw new Error('spec.git.url: required');
  return { intervalMs, branch: spec.git.branch ?? IMAGE_UPDATE_DEFAULTS.branch };
}

export function imageUpdatePath(namespace: string, name?: string): string {
  return `/apis/${IMAGE_UPDATE_API_VERSION}/namespaces/${namespace}/${IMAGE_UPDATE_PLURAL}${name === undefined ? '' : `/${name}`}`;
}

const durationSchema = { type: 'string', pattern: '^([0-9]+(\\.[0-9]+)?(ms|s|m|h))+$' };
const nameRef = { type: 'object', required: ['name'], properties: { name: { type: 'string', minLength: 1 } } };

/** The CustomResourceDefinition of `ImageUpdate`, as data. */
export const IMAGE_UPDATE_CRD: KubeObject = {
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: `${IMAGE_UPDATE_PLURAL}.${SYNC_GROUP}` },
  spec: {
    group: SYNC_GROUP,
    names: { kind: IMAGE_UPDATE_KIND, listKind: 'ImageUpdateList', plural: IMAGE_UPDATE_PLURAL, singular: 'imageupdate', categories: ['strata'] },
    scope: 'Namespaced',
    versions: [
      {
        name: SYNC_VERSION,
        served: true,
        storage: true,
        subresources: { status: {} },
        additionalPrinterColumns: [
          { name: 'Ready', type: 'string', jsonPath: '.status.conditions[?(@.type=="Ready")].status' },
          { name: 'Reason', type: 'string', jsonPath: '.status.conditions[?(@.type=="Ready")].reason' },
          { name: 'Last Push', type: 'string', jsonPath: '.status.lastPushedCommit' },
          { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
        ],
        schema: {
          openAPIV3Schema: {
            type: 'object',
            properties: {
              apiVersion: { type: 'string' },
              kind: { type: 'string' },
              metadata: { type: 'object' },
              spec: {
                type: 'object',
                required: ['git'],
                properties: {
                  interval: durationSchema,
                  suspend: { type: 'boolean' },
                  git: {
                    type: 'object',
                    required: ['url'],
                    properties: { url: { type: 'string', minLength: 1 }, branch: { type: 'string', minLength: 1 }, secretRef: nameRef },
                  },
                  registrySecretRef: nameRef,
                  environments: { type: 'array', items: { type: 'string', minLength: 1 } },
                  author: { type: 'object', required: ['name', 'email'], properties: { name: { type: 'string', minLength: 1 }, email: { type: 'string', minLength: 1 } } },
                },
              },
              status: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
            },
          },
        },
      },
    ],
  },
};
