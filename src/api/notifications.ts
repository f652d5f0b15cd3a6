/**
 * `spec.notifications` of a Sync: who is told what about it. Routing lives on the Sync (not in
 * Flux-style Provider/Alert objects) because the Sync already is the unit of ownership: its
 * namespace, its ServiceAccount, its Secrets. Why, at length: docs/agent.md#notifications.
 */

/** The closed set of things a rule can ask to hear about. */
export type NotificationEvent = 'failed' | 'recovered' | 'revision-applied' | 'drift-corrected' | 'image-updated' | 'hook-failed';

export const NOTIFICATION_EVENTS: readonly NotificationEvent[] = ['failed', 'recovered', 'revision-applied', 'drift-corrected', 'image-updated', 'hook-failed'];

/** Where a rule sends: chat and webhook receivers, or a forge's commit status API. */
export type NotificationProviderType = 'generic' | 'slack' | 'teams' | 'github' | 'gitlab' | 'gitea';

export const NOTIFICATION_PROVIDER_TYPES: readonly NotificationProviderType[] = ['generic', 'slack', 'teams', 'github', 'gitlab', 'gitea'];

export interface NotificationRule {
  /** Names the rule in logs and Events. @default `<type>-<index>` */
  readonly name?: string;
  readonly type: NotificationProviderType;
  /**
   * What to send. Commit status providers use `revision-applied` (success), `failed` (failure)
   * and `recovered` (success) and ignore the rest.
   * @default ['failed', 'recovered']; for github, gitlab and gitea ['revision-applied', 'failed', 'recovered']
   */
  readonly events?: readonly NotificationEvent[];
  /**
   * A Secret in the Sync's namespace: `address` (the URL to post to; Slack and Teams URLs hold
   * their token, so they belong here) and `token` (the HMAC key of `generic`, the API token of
   * github, gitlab and gitea).
   */
  readonly secretRef: { readonly name: string };
  /**
   * The URL (generic, slack, teams) or the API base (github, gitlab, gitea) when it is not secret;
   * the Secret's `address` wins.
   * @default none for generic, slack, teams; https://api.github.com, https://gitlab.com
   */
  readonly address?: string;
  /**
   * Commit status only: `owner/repo` (GitHub, Gitea) or the project path (GitLab) of the commit
   * the status is posted on: the applied revision's `Source-Commit` trailer, or the revision itself.
   * @default the owner/repo path of the Sync's url
   */
  readonly repository?: string;
}

/** `@default` of `events`, applied in one place. */
export function notificationEvents(rule: NotificationRule): readonly NotificationEvent[] {
  if (rule.events) return rule.events;
  return rule.type === 'github' || rule.type === 'gitlab' || rule.type === 'gitea' ? ['revision-applied', 'failed', 'recovered'] : ['failed', 'recovered'];
}

/** The CRD schema of `spec.notifications`. */
export const NOTIFICATIONS_SCHEMA = {
  type: 'array',
  maxItems: 20,
  items: {
    type: 'object',
    required: ['type', 'secretRef'],
    properties: {
      name: { type: 'string', maxLength: 63 },
      type: { type: 'string', enum: [...NOTIFICATION_PROVIDER_TYPES] },
      events: { type: 'array', items: { type: 'string', enum: [...NOTIFICATION_EVENTS] } },
      secretRef: { type: 'object', required: ['name'], properties: { name: { type: 'string' } } },
      address: { type: 'string' },
      repository: { type: 'string' },
    },
  },
} as const;
