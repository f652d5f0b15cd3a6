export { canonicalize, sha256, toCanonicalYaml } from './canonical.ts';
export { indexDigest, manifestDigest, setDigest } from './digest.ts';
export { apiVersionOf, describeRef, refKey, refOf, sameRef, splitApiVersion, type ObjectRef } from './identity.ts';
export { APPLY_STAGES, KIND_ORDER, KIND_ORDER_LAST, compareApplyOrder, compareStrings, kindRank, stageOf, type ApplyStage } from './kind-order.ts';
export {
  DuplicateObjectError,
  INDEX_API_VERSION,
  INDEX_FILE,
  ManifestSet,
  fileOf,
  serializeIndex,
  type IndexEntry,
  type ManifestEntry,
  type ManifestIndex,
  type ManifestSetEntryInput,
} from './manifest-set.ts';
export { isKubeObject, type KubeObject, type ObjectMeta } from './object.ts';
export { DEFAULT_PARSE_LIMITS, ManifestLimitError, ManifestParseError, parseManifestFiles, type ManifestFile, type ParseLimit, type ParseOptions } from './parse.ts';
