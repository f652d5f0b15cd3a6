// The versions a chart source offers: an HTTP Helm repository's index.yaml, or an OCI
// registry's tag list (through the image automation's registry client: same auth, paging and
// retries). Used by `strata charts pull` for a range and by `strata charts update`.
import { existsSync } from 'node:fs';
import { parse } from 'yaml';
import { RegistryClient, defaultCredentialsFile, readCredentialsFile } from '../images/index.ts';
import { ChartSourceError } from './errors.ts';

/** One version a source offers; `digest` when the source lists it (index.yaml does). */
export interface ChartVersion {
  readonly version: string;
  readonly digest?: string;
}

/** `oci://host/path` → the image repository of `chart` (`host/path/chart`). */
export function ociRepository(repository: string, chart: string): string {
  return `${repository.replace(/^oci:\/\//, '').replace(/\/+$/, '')}/${chart}`;
}

/** Whether a registry host is a loopback address, which Helm is told to reach over plain HTTP. */
export function isLoopbackRegistry(repository: string): boolean {
  const host = repository.replace(/^oci:\/\//, '').split('/')[0] ?? '';
  return /^(127\.\d+\.\d+\.\d+|localhost|\[::1\])(:\d+)?$/.test(host);
}

/** Every version of `chart` the repository or registry lists. */
export async function listChartVersions(name: string, chart: string, repository: string): Promise<ChartVersion[]> {
  if (repository.startsWith('oci://')) {
    const file = defaultCredentialsFile();
    const client = new RegistryClient({ credentials: await readCredentialsFile(file, true), retries: 1 });
    try {
      return (await client.listTags(ociRepository(repository, chart))).map((tag) => ({ version: tag.replace(/_/g, '+') }));
    } catch (error) {
      throw new ChartSourceError(name, repository, `cannot list tags: ${(error as Error).message}`, { cause: error });
    }
  }
  const url = `${repository.replace(/\/+$/, '')}/index.yaml`;
  let text: string;
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(30_000) });
    if (!response.ok) throw new Error(`HTTP ${response.status} ${response.statusText}`);
    text = await response.text();
  } catch (error) {
    throw new ChartSourceError(name, repository, `cannot read ${url}: ${(error as Error).message}`, { cause: error });
  }
  const index = parse(text) as { entries?: Record<string, { version?: string; digest?: string }[]> } | null;
  const entries = index?.entries?.[chart];
  if (!Array.isArray(entries)) throw new ChartSourceError(name, repository, `${url} lists no chart ${JSON.stringify(chart)}`);
  return entries.flatMap((e) => (typeof e.version === 'string' ? [{ version: e.version, ...(typeof e.digest === 'string' ? { digest: `sha256:${e.digest.replace(/^sha256:/, '')}` } : {}) }] : []));
}

/** Environment for Helm so that it uses the same registry logins as `docker`/`strata images`. */
export function registryEnv(): Record<string, string> {
  const file = defaultCredentialsFile();
  return existsSync(file) ? { HELM_REGISTRY_CONFIG: file } : {};
}
