// The public surface of image update automation.
export { parseChallenges, type AuthChallenge } from './challenge.ts';
export {
  IDENTITY_TOKEN_USERNAME,
  defaultCredentialsFile,
  parseCredentials,
  readCredentialsFile,
  runCredentialHelper,
  type BasicCredentials,
  type CredentialHelperOptions,
  type CredentialLookup,
} from './credentials.ts';
export { CredentialHelperError, ImageAutomationErrors, ImageFileError, ImageGitError, ImageRefError, PolicyError, RecompileError, RegistryError, type RegistryErrorReason } from './errors.ts';
export { DOCKER_HUB, DOCKER_HUB_API, formatImageRef, imageName, parseImageRef, registryBaseUrl, type ImageRef } from './image-ref.ts';
export { LOCK_FILE_NAME, lockFilePath, parseImageLock, readImageLock, rewriteImageLock, writeImageLock, type ImageLock } from './lock-file.ts';
export {
  DEFAULT_EXCLUSION_LIST,
  compareBytes,
  expandTemplate,
  parseSemverTag,
  selectTag,
  type FilterTags,
  type ImagePolicySpec,
  type PolicyRule,
  type SortOrder,
  type TagSelection,
} from './policy.ts';
export { POLICY_FILE_NAME, parsePolicyFile, policyFilePath, readPolicyFile } from './policy-file.ts';
export { MANIFEST_ACCEPT, RegistryClient, nextLink, type RegistryClientOptions } from './registry-client.ts';
export { recompileClusters, type Recompile, type RecompileRequest } from './recompile.ts';
export { listEnvironments, readEnvironments, scanImages, type EnvironmentImages, type ImageScanResult, type ScanAction, type ScanOptions, type ScanReport } from './scan.ts';
export { commitMessage, updateImages, type ImageChange, type PushOptions, type UpdateOptions, type UpdateResult } from './update.ts';
export {
  runImageUpdate,
  runImageUpdateLoop,
  type ImageUpdateLoopOptions,
  type ImageUpdateOptions,
  type ImageUpdateStatus,
} from './update-loop.ts';
export { DEFAULT_IMAGE_UPDATE_CONTROLLER_OPTIONS, ImageUpdateController, ImageUpdateSecretError, scrub, type ImageUpdateControllerProps } from './image-update-controller.ts';
export {
  ImageUpdateClient,
  ImageUpdateNotFoundError,
  ImageUpdateSuspendedError,
  imageUpdateReady,
  type WaitForRunOptions,
} from './image-update-client.ts';
export { ImageUpdateMetrics } from './image-update-metrics.ts';
