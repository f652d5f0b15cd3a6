import type { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { addObjects, type PlainObject } from './_children.ts';
import { CLUSTER_SCOPED, groupKind } from './_scope.ts';
import { chartsRoot } from './context.ts';
import { mapHelmSemantics } from './helm-semantics.ts';
import { renderChart, type HelmValues, type RenderedObject } from './render.ts';
import { vendoredChart } from './vendored.ts';

/** The Kubernetes version charts render for unless told otherwise: the one `strata validate` checks against. */
export const DEFAULT_KUBE_VERSION = '1.30.0';

export interface HelmChartProps<V extends object = HelmValues> {
  /** The chart's name in charts/lock.json (which pins its source, version and digest). */
  readonly chart: string;
  /**
   * The release name (`.Release.Name`).
   * @default the construct's id
   */
  readonly releaseName?: string;
  /**
   * The release namespace (`.Release.Namespace`); namespaced objects rendered without one get it.
   * @default 'default'
   */
  readonly namespace?: string;
  /**
   * Values, typed by the chart's generated `<Chart>Values` (charts/types/) when it has a
   * values.schema.json, else any JSON object.
   * @default {}
   */
  readonly values?: V;
  /**
   * The target cluster's Kubernetes version (`.Capabilities.KubeVersion`).
   * @default DEFAULT_KUBE_VERSION
   */
  readonly kubeVersion?: string;
  /**
   * API versions the target cluster serves beyond Helm's built-in list
   * (`.Capabilities.APIVersions`), e.g. `monitoring.coreos.com/v1`.
   * @default none
   */
  readonly apiVersions?: readonly string[];
  /**
   * Render the chart's `crds/` folder (Helm's `--include-crds`); CRDs sort first on apply.
   * @default true
   */
  readonly includeCrds?: boolean;
}

/**
 * A Helm chart rendered at compile time by the pinned Helm, from the vendored copy
 * charts/lock.json pins (verified by digest; never the network). Each rendered object is an
 * ordinary `ApiObject` child, so overlays, name and Secret checks, `strata validate`,
 * `strata parity` and `strata diff --live` see it like any other. Helm's hook and
 * resource-policy annotations are mapped onto Strata's (see helm-semantics.ts).
 */
export class HelmChart<V extends object = HelmValues> extends Construct {
  readonly releaseName: string;
  readonly namespace: string;
  /** The rendered objects, in Helm's order. */
  readonly apiObjects: readonly ApiObject[];
  /** Whether this render came from a render cache (the committed charts/renders/ or this machine's). */
  readonly cached: boolean;

  constructor(scope: Construct, id: string, props: HelmChartProps<V>) {
    super(scope, id);
    this.releaseName = props.releaseName ?? id;
    this.namespace = props.namespace ?? 'default';
    const chart = vendoredChart(chartsRoot(), props.chart);
    const result = renderChart({
      name: props.chart,
      chartPath: chart.path,
      digest: chart.entry.digest,
      version: chart.entry.version,
      releaseName: this.releaseName,
      namespace: this.namespace,
      values: props.values ?? {},
      kubeVersion: props.kubeVersion ?? DEFAULT_KUBE_VERSION,
      apiVersions: props.apiVersions ?? [],
      includeCrds: props.includeCrds ?? true,
    });
    this.cached = result.cached;
    const clusterScoped = new Set(CLUSTER_SCOPED);
    for (const { object } of result.objects) {
      const spec = (object as { spec?: { group?: string; names?: { kind?: string }; scope?: string } }).spec;
      if (object.kind === 'CustomResourceDefinition' && spec?.scope === 'Cluster') clusterScoped.add(`${spec.group}/${spec.names?.kind}`);
    }
    const objects: PlainObject[] = [];
    for (const rendered of result.objects) {
      const object = mapHelmSemantics(withNamespace(rendered.object, this.namespace, clusterScoped));
      if (object !== undefined) objects.push(object);
    }
    this.apiObjects = addObjects(this, objects);
  }
}

function withNamespace(object: RenderedObject['object'], namespace: string, clusterScoped: ReadonlySet<string>): RenderedObject['object'] {
  if (clusterScoped.has(groupKind(object.apiVersion, object.kind)) || typeof object.metadata?.['namespace'] === 'string') return object;
  return { ...object, metadata: { ...object.metadata, namespace } };
}
