// Third-party software as pinned, typed inputs: Helm charts rendered by the pinned Helm at
// compile time, vendored and verified against charts/lock.json. Files starting with `_`
// are not part of the public surface.

export { chartsRoot, withChartsRoot } from './context.ts';
export { chartDigest, fileDigest, treeDigest } from './digest.ts';
export { ChartDigestError, ChartLockError, ChartSourceError, HelmError, HelmToolError } from './errors.ts';
export { DEFAULT_KUBE_VERSION, HelmChart, type HelmChartProps } from './helm-chart.ts';
export { HOOK_ANNOTATION, HOOK_DELETE_POLICY_ANNOTATION, PRUNE_ANNOTATION, mapHelmSemantics } from './helm-semantics.ts';
export { helmBinary, helmIdentity, helmRenderIdentity, helmPath, pinnedHelmVersion, runHelm, type HelmRun, type RunHelmOptions } from './helm-tool.ts';
export { CHART_LOCK_FILE, chartLockPath, parseChartLock, readChartLock, serializeChartLock, writeChartLock, type ChartLock, type ChartLockEntry } from './lock-file.ts';
export { pullCharts, type PullAction, type PullOptions, type PullResult } from './pull.ts';
export { chartsCache } from './render-cache.ts';
export { RENDERS_DIR, committedKeys, committedText, renderFile, renderSession, renderText, storeRenders, withRenderSession, type RenderMode, type RenderSession, type StoreResult, type StoredRender } from './render-store.ts';
export { canonicalJson, parseHelmOutput, renderChart, renderKey, renderStats, type HelmValue, type HelmValues, type RenderRequest, type RenderResult, type RenderSource, type RenderStats, type RenderedObject } from './render.ts';
export { listChartVersions, type ChartVersion } from './repository.ts';
export { rangeOf, updateCharts, type ChartChange, type ChartUpdatePolicy, type UpdateChartsOptions } from './update.ts';
export { valuesTypeName, valuesTypesPath, writeValuesTypes } from './values-types.ts';
export { chartInputFiles, vendoredChart, type VendoredChart } from './vendored.ts';
export { Kustomization, kustomizeBinary, type KustomizationProps } from './kustomization.ts';
export { Manifests, type ManifestsProps } from './manifests.ts';
