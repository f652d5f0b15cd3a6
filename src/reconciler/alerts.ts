/**
 * Alerts, the agent-wide shorthand (`--alert-url`): when any Sync turns not-Ready or recovers,
 * POST a JSON event to each configured webhook, retrying with backoff (deliver.ts). A
 * Slack-compatible payload is one option away. Routing per Sync: notifier.ts.
 */
import { deliver } from './deliver.ts';

export type AlertFormat = 'json' | 'slack';

export interface AlertTarget {
  readonly url: string;
  /** @default 'json' */
  readonly format?: AlertFormat;
}

export interface AlertEvent {
  /** `namespace/name` of the Sync. */
  readonly sync: string;
  readonly revision: string;
  readonly reason: string;
  readonly message: string;
  /** `error` when the Sync turned not-Ready, `info` when it recovered. */
  readonly severity: 'error' | 'info';
  readonly timestamp: string;
}

export interface AlertOptions {
  /** Attempts per target, the first included. @default 4 */
  readonly attempts?: number;
  /** First backoff; doubles each retry. @default 500 */
  readonly backoffMs?: number;
  /** Per-request time limit. @default 5000 */
  readonly timeoutMs?: number;
  /** Applied to the message and reason before sending (the agent masks decrypted values). @default none */
  readonly mask?: (text: string) => string;
}

/** The body sent for an event in a target's format. */
export function alertPayload(event: AlertEvent, format: AlertFormat): Record<string, unknown> {
  if (format === 'json') return { ...event };
  const icon = event.severity === 'error' ? ':red_circle:' : ':large_green_circle:';
  const title = event.severity === 'error' ? `Sync ${event.sync} is not Ready` : `Sync ${event.sync} recovered`;
  return {
    text: `${icon} ${title}: ${event.reason}`,
    attachments: [
      {
        color: event.severity === 'error' ? 'danger' : 'good',
        title,
        text: event.message,
        fields: [
          { title: 'Revision', value: event.revision || 'none', short: true },
          { title: 'Reason', value: event.reason, short: true },
        ],
        ts: Math.floor(Date.parse(event.timestamp) / 1000),
      },
    ],
  };
}

/** The outcome per target: delivered after n attempts, or the last error. */
export interface AlertDelivery {
  readonly url: string;
  readonly delivered: boolean;
  readonly attempts: number;
  readonly error?: string;
}

export class AlertSender {
  private readonly attempts: number;
  private readonly backoffMs: number;
  private readonly timeoutMs: number;
  private readonly mask: ((text: string) => string) | undefined;

  constructor(
    readonly targets: readonly AlertTarget[],
    options: AlertOptions = {},
  ) {
    this.attempts = options.attempts ?? 4;
    this.backoffMs = options.backoffMs ?? 500;
    this.timeoutMs = options.timeoutMs ?? 5000;
    this.mask = options.mask;
  }

  /** Sends to every target in parallel; never throws. */
  send(event: AlertEvent): Promise<AlertDelivery[]> {
    return Promise.all(this.targets.map((target) => this.deliver(target, event)));
  }

  private async deliver(target: AlertTarget, event: AlertEvent): Promise<AlertDelivery> {
    const mask = this.mask;
    const body = JSON.stringify(alertPayload(mask ? { ...event, message: mask(event.message), reason: mask(event.reason) } : event, target.format ?? 'json'));
    const result = await deliver(
      { url: target.url, headers: { 'Content-Type': 'application/json' }, body },
      { attempts: this.attempts, backoffMs: this.backoffMs, timeoutMs: this.timeoutMs },
    );
    return { url: redact(target.url), delivered: result.delivered, attempts: result.attempts, ...(result.error && !result.delivered ? { error: result.error } : {}) };
  }
}

// Webhook URLs often embed a token in the path (Slack); logs show only the origin.
function redact(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return 'invalid-url';
  }
}
