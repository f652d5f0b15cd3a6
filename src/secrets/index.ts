export { addNewIdentity, defaultKeysFile, generateIdentity, isAgeRecipient, keysFileText, loadIdentities, parseIdentities, type AgeIdentity, type IdentitySources } from './age-keys.ts';
export {
  decryptDocument,
  decryptObject,
  encryptDocument,
  formatOf,
  isSopsObject,
  openDocument,
  readMetadata,
  reencryptDocument,
  type DecryptProps,
  type EncryptProps,
  type OpenedDocument,
  type ReencryptProps,
  type SopsFormat,
} from './document.ts';
export { MacMismatchError, NoIdentityError, NoMatchingIdentityError, SopsFormatError, ValueDecryptionError } from './errors.ts';
export {
  DEFAULT_UNENCRYPTED_SUFFIX,
  KUBERNETES_ENCRYPTED_REGEX,
  SOPS_FORMAT_VERSION,
  type AgeStanza,
  type SelectionRules,
  type SopsMetadata,
} from './metadata.ts';
export { CONFIG_FILE, findCreationRulesFile, loadCreationRules, parseCreationRules, ruleFor, type CreationRule, type CreationRulesFile } from './creation-rules.ts';
export {
  decryptManifests,
  identitiesFromSecret,
  isEncryptedObject,
  ObjectDecryptionError,
  sopsDecryptHook,
  type DecryptManifestsOptions,
  type SopsDecryptHookProps,
  type SyncLike,
} from './decrypt-manifests.ts';
export { assertNoPlaintextSecrets, findPlaintextSecrets, NON_SENSITIVE_ANNOTATION, PlaintextSecretError, plaintextSecretMessage, type EntryLike, type PlaintextSecret } from './plaintext-secrets.ts';
export { ENVELOPE_VERSION, isSopsEnvelope, type KeyPaths, type SopsEnvelope } from './sops-envelope.ts';
export { MASK, MIN_MASKED_LENGTH, SecretMask, plaintextValues } from './mask.ts';
