/**
 * Routing: each notification of a Sync goes to the rules of its `spec.notifications` that ask
 * for its event, and failures and recoveries also to the agent-wide `--alert-url` targets.
 * Credentials are read from the Sync's namespace when sending, remembered by the mask (so no
 * log line, status or Event shows them) and never logged; a notification id is sent once per rule.
 */
import type { Logger } from 'pino';
import { notificationEvents, type NotificationRule, type Sync } from '../api/index.ts';
import type { SecretMask } from '../secrets/index.ts';
import type { AlertSender } from './alerts.ts';
import { deliver, type DeliveryOptions } from './deliver.ts';
import type { Notification } from './notification.ts';
import { PROVIDERS, isCommitStatus } from './notification-providers.ts';

export interface NotifierProps {
  /** Reads a Secret of the Sync's namespace (the agent's own identity). */
  readonly readSecret: (namespace: string, name: string, signal?: AbortSignal) => Promise<{ readonly data?: Readonly<Record<string, string>> } | undefined>;
  readonly log: Logger;
  /** Learns the credentials read, so everything masked by it hides them too. @default none */
  readonly mask?: SecretMask;
  /**
   * The commit a status is posted on for a revision: its `Source-Commit` trailer, else the
   * revision's own commit. @default the revision's commit
   */
  readonly sourceCommit?: (sync: Sync, revision: string) => Promise<string | undefined>;
  /** The agent-wide `--alert-url` targets (failed and recovered of every Sync). @default none */
  readonly alerts?: AlertSender;
  readonly delivery?: DeliveryOptions;
}

/** What became of one notification for one rule. */
export interface NotificationOutcome {
  readonly rule: string;
  readonly notification: string;
  readonly delivered: boolean;
  readonly attempts: number;
  /** Why nothing was sent: a duplicate, a missing Secret key, an event without a commit status. */
  readonly skipped?: string;
  readonly error?: string;
}

/** Ids remembered to drop duplicates. */
const REMEMBERED = 10_000;

export class Notifier {
  private readonly sent = new Set<string>();
  private readonly abort = new AbortController();

  constructor(private readonly props: NotifierProps) {}

  /** Sends every notification to the rules that want it; never throws. */
  async notify(sync: Sync, notifications: readonly Notification[]): Promise<NotificationOutcome[]> {
    const rules = sync.spec.notifications ?? [];
    const jobs: Promise<NotificationOutcome>[] = [];
    for (const notification of notifications) {
      rules.forEach((rule, index) => {
        if (notificationEvents(rule).includes(notification.event)) jobs.push(this.send(sync, rule, ruleName(rule, index), notification));
      });
      if (this.props.alerts && (notification.event === 'failed' || notification.event === 'recovered')) void this.alert(notification);
    }
    return Promise.all(jobs);
  }

  /** Stops retries in flight. */
  stop(): void {
    this.abort.abort();
  }

  private async send(sync: Sync, rule: NotificationRule, name: string, notification: Notification): Promise<NotificationOutcome> {
    const namespace = sync.metadata.namespace ?? 'default';
    const fields = { sync: notification.sync, rule: name, type: rule.type, notification: notification.event, id: notification.id };
    const outcome = (result: Omit<NotificationOutcome, 'rule' | 'notification'>): NotificationOutcome => {
      const full = { rule: name, notification: notification.event, ...result };
      if (result.delivered) this.props.log.info({ event: 'notification-sent', ...fields, attempts: result.attempts }, `notified ${name} of ${notification.event}`);
      else this.props.log.warn({ event: 'notification-failed', ...fields, attempts: result.attempts, error: result.error ?? result.skipped }, `notification to ${name} not sent: ${result.error ?? result.skipped}`);
      return full;
    };
    const key = `${namespace}/${sync.metadata.name}/${name}/${notification.id}`;
    if (this.sent.has(key)) return { rule: name, notification: notification.event, delivered: false, attempts: 0, skipped: 'duplicate' };
    this.remember(key);

    let data: Readonly<Record<string, string>> | undefined;
    try {
      data = (await this.props.readSecret(namespace, rule.secretRef.name, this.abort.signal))?.data;
    } catch (error) {
      return outcome({ delivered: false, attempts: 0, error: `Secret ${namespace}/${rule.secretRef.name}: ${(error as Error).message}` });
    }
    if (!data) return outcome({ delivered: false, attempts: 0, error: `Secret ${namespace}/${rule.secretRef.name} not found` });
    const address = decode(data.address) ?? rule.address;
    const token = decode(data.token);
    this.props.mask?.remember(`notification:${namespace}/${rule.secretRef.name}`, [address ?? '', token ?? ''].filter((value) => value !== '' && value !== rule.address));

    let commit: string | undefined;
    if (isCommitStatus(rule.type) && notification.revision) {
      commit = await (this.props.sourceCommit ? this.props.sourceCommit(sync, notification.revision).catch(() => undefined) : undefined);
      commit ??= /sha1:([0-9a-f]{40})$/.exec(notification.revision)?.[1];
    }
    const request = PROVIDERS[rule.type](notification, { rule, syncUrl: sync.spec.url, ...(address ? { address } : {}), ...(token ? { token } : {}), ...(commit ? { commit } : {}) });
    if (typeof request === 'string') {
      // An event the provider does not post (drift for a commit status) is no failure.
      if (request.startsWith('no commit status for')) return { rule: name, notification: notification.event, delivered: false, attempts: 0, skipped: request };
      return outcome({ delivered: false, attempts: 0, skipped: request });
    }
    const result = await deliver(request, { ...this.props.delivery, signal: this.abort.signal });
    if (!result.delivered) this.sent.delete(key); // a later identical event may try again
    return outcome({ delivered: result.delivered, attempts: result.attempts, ...(result.error ? { error: result.error } : {}) });
  }

  private async alert(notification: Notification): Promise<void> {
    const deliveries = await this.props.alerts!.send({
      sync: notification.sync,
      revision: notification.revision,
      reason: notification.reason,
      message: notification.message,
      severity: notification.severity,
      timestamp: notification.timestamp,
    });
    for (const delivery of deliveries) {
      if (!delivery.delivered) this.props.log.warn({ sync: notification.sync, event: 'alert-failed', target: delivery.url, error: delivery.error }, 'alert not delivered');
    }
  }

  private remember(key: string): void {
    this.sent.add(key);
    if (this.sent.size > REMEMBERED) this.sent.delete(this.sent.values().next().value as string);
  }
}

function ruleName(rule: NotificationRule, index: number): string {
  return rule.name ?? `${rule.type}-${index}`;
}

function decode(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const text = Buffer.from(value, 'base64').toString('utf8').trim();
  return text === '' ? undefined : text;
}
