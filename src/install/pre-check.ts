// `strata check --pre`: what a cluster and this machine need before `strata install` or
// `strata bootstrap`. Each check is a result, not an exception: the command prints them all.
import { spawnSync } from 'node:child_process';
import type { KubeConfig } from '@kubernetes/client-node';
import semver from 'semver';
import { IMAGE_UPDATE_CRD, SYNC_CRD } from '../api/index.ts';
import { deniedInstallRights } from '../gitops/index.ts';
import { KubeApiError, KubeClient } from '../kube/index.ts';

/** The oldest Kubernetes the agent and the construct library (cdk8s-plus-28) support. */
export const MIN_KUBERNETES_VERSION = '1.28.0';

/** The closed set of checks, in the order they are printed. */
export type PreCheckName = 'kubernetes' | 'rights' | 'git' | 'crds';

/** One check's outcome and a line for people. */
export interface PreCheck {
  readonly name: PreCheckName;
  readonly ok: boolean;
  readonly message: string;
}

/** Options of {@link preChecks}. */
export interface PreCheckOptions {
  /**
   * The namespace the agent goes into (where namespaced rights are checked).
   * @default 'strata-system'
   */
  readonly namespace?: string;
  /**
   * The git executable to look for.
   * @default 'git'
   */
  readonly git?: string;
}

/** Runs every check against the cluster of `kubeConfig` and this machine. */
export async function preChecks(kubeConfig: KubeConfig, options: PreCheckOptions = {}): Promise<PreCheck[]> {
  const namespace = options.namespace ?? 'strata-system';
  const server = kubeConfig.getCurrentCluster()?.server ?? '(no server)';
  const results: PreCheck[] = [];
  let client: KubeClient | undefined;
  try {
    client = await KubeClient.fromKubeConfig(kubeConfig);
    const version = await client.request<{ gitVersion?: string }>('GET', '/version');
    const found = semver.coerce(version.gitVersion ?? '');
    const ok = found !== null && semver.gte(found, MIN_KUBERNETES_VERSION);
    results.push({ name: 'kubernetes', ok, message: `Kubernetes ${version.gitVersion ?? '(unknown version)'} at ${server}${ok ? '' : `: Strata needs ${MIN_KUBERNETES_VERSION} or newer`}` });
    const denied = await deniedInstallRights(client, namespace);
    results.push({
      name: 'rights',
      ok: denied.length === 0,
      message: denied.length === 0 ? `rights to install the agent into ${namespace}` : `missing rights to install the agent: may not ${denied.join(', ')}`,
    });
    results.push(await crdCheck(client));
  } catch (error) {
    const answered = results.some((result) => result.name === 'kubernetes');
    results.push(
      answered
        ? { name: 'rights', ok: false, message: `cannot review the rights to install the agent: ${(error as Error).message}` }
        : { name: 'kubernetes', ok: false, message: `the API server ${server} does not answer: ${(error as Error).message}` },
    );
  } finally {
    client?.close();
  }
  const git = spawnSync(options.git ?? 'git', ['--version'], { encoding: 'utf8' });
  results.push(
    git.status === 0
      ? { name: 'git', ok: true, message: `${git.stdout.trim()} (the agent's image carries its own; strata bootstrap and commit use this one)` }
      : { name: 'git', ok: false, message: `${options.git ?? 'git'} not found on PATH: strata bootstrap, commit and history need it` },
  );
  const order: readonly PreCheckName[] = ['kubernetes', 'rights', 'git', 'crds'];
  return results.sort((a, b) => order.indexOf(a.name) - order.indexOf(b.name));
}

/** Whether the Sync and ImageUpdate CRDs exist; their absence is expected before install. */
async function crdCheck(client: KubeClient): Promise<PreCheck> {
  const absent: string[] = [];
  for (const crd of [SYNC_CRD, IMAGE_UPDATE_CRD]) {
    try {
      await client.request('GET', `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${crd.metadata.name}`);
    } catch (error) {
      if (!(error instanceof KubeApiError && error.status === 404)) return { name: 'crds', ok: false, message: `cannot read the CRD ${crd.metadata.name}: ${(error as Error).message}` };
      absent.push(crd.metadata.name);
    }
  }
  return absent.length === 0
    ? { name: 'crds', ok: true, message: `CRDs installed: ${SYNC_CRD.metadata.name}, ${IMAGE_UPDATE_CRD.metadata.name}` }
    : { name: 'crds', ok: true, message: `CRDs not installed yet: ${absent.join(', ')} (strata install or strata bootstrap installs them)` };
}
