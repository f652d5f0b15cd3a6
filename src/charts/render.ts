// Renders one chart with the pinned Helm (`helm template`), offline: the chart is a vendored
// folder or archive, values go in as a file, the Kubernetes version and API versions as flags.
// Results are cached by chart digest + values digest + options (render-cache.ts).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { load as loadLenient } from 'js-yaml';
import { parse } from 'yaml';
import { HelmError } from './errors.ts';
import { helmRenderIdentity, pinnedHelmVersion, runHelm } from './helm-tool.ts';
import { readRender, writeRender } from './render-cache.ts';
import { readCommitted, RENDERS_DIR, renderSession, type StoredRender } from './render-store.ts';
import { chartsRoot } from './context.ts';
import { sha256 } from './digest.ts';

/** A JSON value, as Helm values are. */
export type HelmValue = string | number | boolean | null | readonly HelmValue[] | { readonly [key: string]: HelmValue | undefined };
/** Values of a chart without a values.schema.json: any JSON object (the typed escape hatch). */
export type HelmValues = { readonly [key: string]: HelmValue | undefined };

/** One object Helm rendered, with the template it came from. */
export interface RenderedObject {
  /** e.g. `ingress-nginx/templates/controller-deployment.yaml`. */
  readonly template: string;
  readonly object: Readonly<Record<string, unknown>> & { readonly apiVersion: string; readonly kind: string; readonly metadata?: Record<string, unknown> };
}

/** What {@link renderChart} renders. */
export interface RenderRequest {
  /** The chart's lock name (for messages). */
  readonly name: string;
  /** Absolute path of the chart folder or archive. */
  readonly chartPath: string;
  /** Its verified digest (the cache key's chart part). */
  readonly digest: string;
  readonly releaseName: string;
  readonly namespace: string;
  readonly values: object;
  /** e.g. `1.30.0`. */
  readonly kubeVersion: string;
  /** Extra `.Capabilities.APIVersions` entries (`group/version` or `group/version/Kind`). */
  readonly apiVersions: readonly string[];
  /** Render the chart's `crds/` folder too. */
  readonly includeCrds: boolean;
  /** The chart's version (recorded in a committed render, for people reading it). */
  readonly version?: string;
}

/** Where a render came from: a closed set. */
export type RenderSource = 'committed' | 'cache' | 'helm';

export interface RenderResult {
  readonly objects: readonly RenderedObject[];
  /** Whether the render came from a cache (committed or this machine's) rather than Helm. */
  readonly cached: boolean;
  readonly source: RenderSource;
  readonly key: string;
}

/** Renders across the process, for `bench:synth` (shared by every module instance). */
export interface RenderStats {
  /** Renders Helm made. */
  rendered: number;
  /** Renders taken from this machine's cache. */
  cached: number;
  /** Renders taken from the project's committed charts/renders/. */
  committed: number;
  helmMs: number;
}

const STATS = Symbol.for('strata.charts.renderStats');
/** The process's render counters (one object for every loaded copy of this module). */
export function renderStats(): RenderStats {
  const holder = globalThis as { [STATS]?: RenderStats };
  return (holder[STATS] ??= { rendered: 0, cached: 0, committed: 0, helmMs: 0 });
}

/** Bump when the parse of Helm's output changes, so cached renders are redone. */
const RECIPE = 'strata-render-2';

/** JSON with sorted keys: the values digest does not depend on the order they were written in. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v !== null && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, (v as Record<string, unknown>)[k]])) : v,
  );
}

/** The render cache key of a request. */
export function renderKey(request: RenderRequest): string {
  // Not the folder (machines differ) nor the version (the digest covers it): the key is the
  // same on every machine, so a render committed on one serves all.
  const { name: _name, chartPath: _path, version: _version, values, ...rest } = request;
  return sha256(canonicalJson({ recipe: RECIPE, helm: helmRenderIdentity(), values: sha256(canonicalJson(values)), ...rest }));
}

/**
 * Renders a chart, or takes the render of the same inputs from the project's committed
 * renders (charts/renders/, not while `strata check` verifies them) or this machine's cache.
 * Inside a compile, records the render in the compile's session (render-store.ts).
 */
export function renderChart(request: RenderRequest): RenderResult {
  const key = renderKey(request);
  const stats = renderStats();
  const session = renderSession();
  const result = ((): RenderResult => {
    // Outside a compile (a test, a script, stock cdk8s) the project's committed renders serve too.
    const committed = session === undefined ? readCommitted(join(chartsRoot(), RENDERS_DIR), key) : session.mode === 'synth' ? readCommitted(session.dir, key) : undefined;
    if (committed !== undefined) {
      stats.committed += 1;
      return { objects: committed.objects, cached: true, source: 'committed', key };
    }
    const hit = readRender<RenderedObject[]>(key);
    if (hit !== undefined) {
      stats.cached += 1;
      return { objects: hit, cached: true, source: 'cache', key };
    }
    const started = performance.now();
    const objects = helmTemplate(request);
    stats.helmMs += performance.now() - started;
    stats.rendered += 1;
    writeRender(key, objects);
    return { objects, cached: false, source: 'helm', key };
  })();
  // Renders by another Helm than the pinned one (STRATA_HELM) are this machine's business only.
  if (session !== undefined && !process.env['STRATA_HELM']) session.used.set(key, storedRender(request, result.objects));
  return result;
}

function storedRender(request: RenderRequest, objects: readonly RenderedObject[]): StoredRender {
  return {
    chart: request.name,
    version: request.version ?? '',
    digest: request.digest,
    helm: pinnedHelmVersion(),
    releaseName: request.releaseName,
    namespace: request.namespace,
    objects,
  };
}

function helmTemplate(request: RenderRequest): RenderedObject[] {
  const dir = mkdtempSync(join(tmpdir(), 'strata-values-'));
  try {
    const valuesFile = join(dir, 'values.json');
    writeFileSync(valuesFile, JSON.stringify(request.values));
    const args = [
      'template',
      request.releaseName,
      request.chartPath,
      '--namespace',
      request.namespace,
      '--kube-version',
      request.kubeVersion,
      '--values',
      valuesFile,
      ...(request.includeCrds ? ['--include-crds'] : []),
      ...request.apiVersions.flatMap((v) => ['--api-versions', v]),
    ];
    const result = runHelm(args);
    if (result.status !== 0) throw new HelmError(request.name, `helm template failed: ${result.stderr.trim()}`);
    return parseHelmOutput(request.name, result.stdout);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Splits Helm's multi-document output into objects, each with its `# Source:` template. */
export function parseHelmOutput(chart: string, text: string): RenderedObject[] {
  const objects: RenderedObject[] = [];
  for (const chunk of text.split(/^---[ \t]*$/m)) {
    const template = /^# Source: (.+)$/m.exec(chunk)?.[1]?.trim() ?? '(unknown template)';
    const value = parseChunk(chart, template, chunk);
    if (value === null || value === undefined) continue;
    const record = value as { apiVersion?: unknown; kind?: unknown };
    if (typeof value !== 'object' || Array.isArray(value) || typeof record.apiVersion !== 'string' || typeof record.kind !== 'string') {
      throw new HelmError(chart, `${template}: rendered a document that is not a Kubernetes object (no apiVersion and kind)`);
    }
    // A List (some charts render `kind: List`) stands for its items.
    if (record.kind === 'List' && Array.isArray((value as { items?: unknown }).items)) {
      for (const item of (value as { items: RenderedObject['object'][] }).items) objects.push({ template, object: item });
      continue;
    }
    objects.push({ template, object: value as RenderedObject['object'] });
  }
  return objects;
}

/**
 * One document of Helm's output. Kubernetes reads manifests with Go's YAML parser, which
 * accepts some text the YAML 1.2 spec does not (Flagger's CRDs continue quoted strings at the
 * key's indentation): what `yaml` refuses gets a second chance with js-yaml, which accepts the
 * same, before it is an error.
 */
function parseChunk(chart: string, template: string, chunk: string): unknown {
  try {
    return parse(chunk);
  } catch (strict) {
    try {
      return loadLenient(chunk);
    } catch {
      throw new HelmError(chart, `${template}: Helm rendered invalid YAML: ${(strict as Error).message}`, { cause: strict });
    }
  }
}
