// The one Git layer: the runner, credentials, redaction, the revision format, errors.
export { DEFAULT_GIT_OPTIONS, Git, type GitOptions, type RunOptions } from './runner.ts';
export { credentialEnv, identityEnv, type GitCredentials, type GitIdentity } from './credentials.ts';
export { redactText, redactUrl } from './redact.ts';
export { commitOf, formatRevision, parseRevision, shortCommit, type ParsedRevision } from './revision.ts';
export { GitCommandError } from './errors.ts';
export { verifyCommitSignature, type CommitSignature, type CommitSigners, type SignatureFormat, type VerifyCommitOptions } from './verify-commit.ts';
