/**
 * Credentials and identities for git, and how they reach it: through the environment
 * (an `http.extraHeader`, `GIT_AUTHOR_*`), never argv, a URL or an error message.
 */

/** Basic-auth credentials for an HTTP(S) remote. */
export interface GitCredentials {
  readonly username: string;
  readonly password: string;
}

/** Author and committer of new commits. */
export interface GitIdentity {
  readonly name: string;
  readonly email: string;
}

/** The environment that sends `credentials` as an `Authorization: Basic` header to HTTP(S) remotes. */
export function credentialEnv(credentials: GitCredentials): Record<string, string> {
  const token = Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64');
  return { GIT_CONFIG_COUNT: '1', GIT_CONFIG_KEY_0: 'http.extraHeader', GIT_CONFIG_VALUE_0: `Authorization: Basic ${token}` };
}

/** The environment that makes `identity` the author and committer of new commits. */
export function identityEnv(identity: GitIdentity): Record<string, string> {
  return { GIT_AUTHOR_NAME: identity.name, GIT_AUTHOR_EMAIL: identity.email, GIT_COMMITTER_NAME: identity.name, GIT_COMMITTER_EMAIL: identity.email };
}
