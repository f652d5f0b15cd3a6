/**
 * The request each provider type sends for a notification: a rule table, one builder per type.
 * Builders are pure: credentials come in, a request goes out, nothing is logged. A builder
 * returns a string instead of a request when it cannot send (say why; never a credential).
 */
import { createHmac } from 'node:crypto';
import type { NotificationProviderType, NotificationRule } from '../api/index.ts';
import type { DeliveryRequest } from './deliver.ts';
import type { Notification } from './notification.ts';

export interface ProviderInput {
  readonly rule: NotificationRule;
  /** The Secret's `address`. @default the rule's */
  readonly address?: string;
  /** The Secret's `token`. */
  readonly token?: string;
  /** The Sync's Git URL (where commit status goes by default). */
  readonly syncUrl: string;
  /** Commit status: the commit to post on (the revision's Source-Commit, or the revision). */
  readonly commit?: string;
}

type Builder = (notification: Notification, input: ProviderInput) => DeliveryRequest | string;

const addressOf = (input: ProviderInput): string | undefined => input.address ?? input.rule.address;

const JSON_HEADERS = { 'Content-Type': 'application/json', 'User-Agent': 'strata-agent' } as const;

const TITLES: Readonly<Record<Notification['event'], string>> = {
  failed: 'is not Ready',
  recovered: 'recovered',
  'revision-applied': 'applied a revision',
  'drift-corrected': 'corrected drift',
  'image-updated': 'got an image update',
  'hook-failed': 'had a hook fail',
};

export const titleOf = (notification: Notification): string => `Sync ${notification.sync} ${TITLES[notification.event]}`;

/** Commit states per event; events not listed post no status. */
const COMMIT_STATES: Partial<Record<Notification['event'], { readonly ok: boolean }>> = {
  'revision-applied': { ok: true },
  recovered: { ok: true },
  failed: { ok: false },
};

const generic: Builder = (notification, input) => {
  if (!addressOf(input)) return 'no address (the Secret\'s "address" or the rule\'s)';
  const body = JSON.stringify(notification);
  return {
    url: addressOf(input)!,
    headers: {
      ...JSON_HEADERS,
      'X-Strata-Event': notification.event,
      'X-Strata-Delivery': notification.id,
      ...(input.token ? { 'X-Signature': `sha256=${createHmac('sha256', input.token).update(body).digest('hex')}` } : {}),
    },
    body,
  };
};

const slack: Builder = (notification, input) => {
  if (!addressOf(input)) return 'no address (the Secret\'s "address": the Slack webhook URL)';
  const error = notification.severity === 'error';
  const title = titleOf(notification);
  const fields = [
    { title: 'Revision', value: notification.revision || 'none', short: true },
    { title: 'Reason', value: notification.reason, short: true },
    ...(notification.objects && notification.objects.length > 0 ? [{ title: 'Objects', value: notification.objects.slice(0, 20).join('\n'), short: false }] : []),
  ];
  const body = { text: `${error ? ':red_circle:' : ':large_green_circle:'} ${title}: ${notification.reason}`, attachments: [{ color: error ? 'danger' : 'good', title, text: notification.message, fields, ts: Math.floor(Date.parse(notification.timestamp) / 1000) }] };
  return { url: addressOf(input)!, headers: JSON_HEADERS, body: JSON.stringify(body) };
};

// A Teams Workflows ("When a Teams webhook request is received") message with an Adaptive Card.
const teams: Builder = (notification, input) => {
  if (!addressOf(input)) return 'no address (the Secret\'s "address": the Teams workflow URL)';
  const facts = [
    { title: 'Revision', value: notification.revision || 'none' },
    { title: 'Reason', value: notification.reason },
    ...(notification.objects && notification.objects.length > 0 ? [{ title: 'Objects', value: notification.objects.slice(0, 20).join(', ') }] : []),
  ];
  const card = {
    $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
    type: 'AdaptiveCard',
    version: '1.4',
    body: [
      { type: 'TextBlock', text: titleOf(notification), weight: 'Bolder', size: 'Medium', wrap: true, color: notification.severity === 'error' ? 'Attention' : 'Good' },
      { type: 'TextBlock', text: notification.message, wrap: true },
      { type: 'FactSet', facts },
    ],
  };
  return { url: addressOf(input)!, headers: JSON_HEADERS, body: JSON.stringify({ type: 'message', attachments: [{ contentType: 'application/vnd.microsoft.card.adaptive', contentUrl: null, content: card }] }) };
};

/** The parts of a commit status every forge takes. */
function commitStatus(notification: Notification, input: ProviderInput, defaultBase: string | undefined): { base: string; repository: string; commit: string; ok: boolean; context: string; description: string } | string {
  const state = COMMIT_STATES[notification.event];
  if (!state) return `no commit status for ${notification.event}`;
  if (!input.token) return 'no token (the Secret\'s "token")';
  if (!input.commit) return 'no commit to post on';
  const base = (addressOf(input) ?? defaultBase)?.replace(/\/+$/, '');
  if (!base) return 'no API address (the rule\'s "address")';
  const repository = input.rule.repository ?? repositoryPath(input.syncUrl);
  if (!repository) return 'no repository (the rule\'s "repository")';
  const description = `${notification.reason}: ${notification.message}`;
  return { base, repository, commit: input.commit, ok: state.ok, context: `strata/${notification.sync}`, description: description.length > 140 ? `${description.slice(0, 139)}…` : description };
}

const github: Builder = (notification, input) => {
  const status = commitStatus(notification, input, 'https://api.github.com');
  if (typeof status === 'string') return status;
  return {
    url: `${status.base}/repos/${status.repository}/statuses/${status.commit}`,
    headers: { ...JSON_HEADERS, Accept: 'application/vnd.github+json', Authorization: `Bearer ${input.token}`, 'X-GitHub-Api-Version': '2022-11-28' },
    body: JSON.stringify({ state: status.ok ? 'success' : 'failure', context: status.context, description: status.description }),
  };
};

const gitlab: Builder = (notification, input) => {
  const status = commitStatus(notification, input, originOf(input.syncUrl));
  if (typeof status === 'string') return status;
  return {
    url: `${status.base}/api/v4/projects/${encodeURIComponent(status.repository)}/statuses/${status.commit}`,
    headers: { ...JSON_HEADERS, 'PRIVATE-TOKEN': input.token ?? '' },
    body: JSON.stringify({ state: status.ok ? 'success' : 'failed', name: status.context, description: status.description }),
  };
};

const gitea: Builder = (notification, input) => {
  const status = commitStatus(notification, input, originOf(input.syncUrl));
  if (typeof status === 'string') return status;
  return {
    url: `${status.base}/api/v1/repos/${status.repository}/statuses/${status.commit}`,
    headers: { ...JSON_HEADERS, Authorization: `token ${input.token}` },
    body: JSON.stringify({ state: status.ok ? 'success' : 'failure', context: status.context, description: status.description }),
  };
};

export const PROVIDERS: Readonly<Record<NotificationProviderType, Builder>> = { generic, slack, teams, github, gitlab, gitea };

/** Whether the type posts commit status (and so needs the revision's source commit). */
export const isCommitStatus = (type: NotificationProviderType): boolean => type === 'github' || type === 'gitlab' || type === 'gitea';

/** `owner/repo` (or `group/sub/project`) of a Git URL: its path without `.git`. */
export function repositoryPath(url: string): string | undefined {
  const path = url
    .trim()
    .replace(/^[a-z][a-z0-9+.-]*:\/\/[^/]*/i, '')
    .replace(/^[^/@]*@[^:/]*:/, '')
    .replace(/^\/+|\/+$/g, '')
    .replace(/\.git$/, '');
  return path === '' ? undefined : path;
}

function originOf(url: string): string | undefined {
  try {
    const parsed = new URL(url);
    return parsed.protocol === 'https:' || parsed.protocol === 'http:' ? parsed.origin : undefined;
  } catch {
    return undefined;
  }
}
