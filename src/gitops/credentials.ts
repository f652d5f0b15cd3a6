/**
 * The Secrets bootstrap creates in the cluster and never in Git: the Git
 * credentials the root Sync fetches with and the age identity it decrypts with.
 * Compared before writing, so a second run reports them unchanged; errors name
 * the Secret only, never its data.
 */
import { describeRef, type KubeObject } from '../manifest/index.ts';
import type { KubeClient } from '../kube/index.ts';
import type { GitCredentials } from '../git/index.ts';
import { BootstrapError } from './errors.ts';
import { AGE_KEY_SECRET, GIT_AUTH_SECRET, PART_OF_LABEL, PART_OF_VALUE, ROOT_SYNC_NAMESPACE } from './root-sync.ts';

export interface CredentialSecretsProps {
  readonly cluster: string;
  /** Written as `username` and `password` of `strata-system/strata-git-auth`. @default none */
  readonly gitCredentials?: GitCredentials;
  /** Written as `age.agekey` of `strata-system/strata-age-key`. @default none */
  readonly ageKey?: string;
}

/** What happened to one Secret: a closed set. */
export interface SecretOutcome {
  readonly name: string;
  readonly action: 'created' | 'configured' | 'unchanged';
}

/** Creates or updates the Secrets asked for; throws a BootstrapError at `credentials`. */
export async function upsertCredentialSecrets(client: KubeClient, props: CredentialSecretsProps): Promise<SecretOutcome[]> {
  const wanted: { name: string; data: Record<string, string> }[] = [];
  if (props.gitCredentials) wanted.push({ name: GIT_AUTH_SECRET, data: { username: props.gitCredentials.username, password: props.gitCredentials.password } });
  if (props.ageKey !== undefined) wanted.push({ name: AGE_KEY_SECRET, data: { 'age.agekey': props.ageKey.endsWith('\n') ? props.ageKey : `${props.ageKey}\n` } });
  const outcomes: SecretOutcome[] = [];
  for (const { name, data } of wanted) {
    const ref = { group: '', version: 'v1', kind: 'Secret', namespace: ROOT_SYNC_NAMESPACE, name };
    const encoded = Object.fromEntries(Object.entries(data).map(([key, value]) => [key, Buffer.from(value).toString('base64')]));
    try {
      const live = (await client.get(ref)) as (KubeObject & { data?: Record<string, string> }) | undefined;
      const same = live !== undefined && JSON.stringify(Object.entries(live.data ?? {}).sort()) === JSON.stringify(Object.entries(encoded).sort());
      if (same) {
        outcomes.push({ name, action: 'unchanged' });
        continue;
      }
      const object = { apiVersion: 'v1', kind: 'Secret', metadata: { name, namespace: ROOT_SYNC_NAMESPACE, labels: { [PART_OF_LABEL]: PART_OF_VALUE } }, type: 'Opaque', data: encoded };
      await client.apply(object, { fieldManager: 'strata-bootstrap' });
      outcomes.push({ name, action: live === undefined ? 'created' : 'configured' });
    } catch (error) {
      // The message names the Secret and the status only: its data never appears in errors.
      const status = (error as { status?: number }).status;
      throw new BootstrapError('credentials', props.cluster, `cannot write ${describeRef(ref)}${status ? ` (HTTP ${status})` : ''}: ${(error as Error).name}`, { cause: error });
    }
  }
  return outcomes;
}
