export { defaultKeysFile, generateIdentity, isAgeRecipient, keysFileText, loadIdentities, parseIdentities, type AgeIdentity, type IdentitySources } from './age-keys.ts';
export {
  decryptDocument,
  decryptObject,
  encryptDocument,
  encryptObject,
  formatOf,
  isSopsObject,
  isSopsText,
  openDocument,
  readMetadata,
  reencryptDocument,
  rulesOf,
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
