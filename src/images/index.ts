// The public surface of image update automation.
export { parseChallenges, type AuthChallenge } from './challenge.ts';
export { defaultCredentialsFile, parseCredentials, readCredentialsFile, type BasicCredentials, type CredentialLookup } from './credentials.ts';
export { ImageAutomationErrors, ImageFileError, ImageGitError, ImageRefError, PolicyError, RegistryError, type RegistryErrorReason } from './errors.ts';
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
