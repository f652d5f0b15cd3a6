/**
 * Kubernetes Events about Syncs (events.k8s.io/v1): Normal for progress,
 * Warning for failures, one line per changed object in the note.
 */
import { randomBytes } from 'node:crypto';
import type { AgentApi } from './agent-api.ts';
import type { Sync } from '../api/index.ts';

/** What an event can be about: a Sync, or another object of the agent (an ImageUpdate). */
export interface EventSubject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: Pick<Sync['metadata'], 'name' | 'namespace' | 'uid' | 'resourceVersion'>;
}

export const REPORTING_CONTROLLER = 'strata.dev/agent';

export type EventType = 'Normal' | 'Warning';

export interface SyncEvent {
  readonly type: EventType;
  readonly reason: string;
  /** Lines of the note (one per changed object); joined and cut to the API's 1 KiB. */
  readonly lines: readonly string[];
  /** Revision the event is about; stored as an annotation. */
  readonly revision?: string;
}

/** kube-apiserver refuses a note of more than 1024 bytes (Go's len of the UTF-8 string), and the Event with it. */
const NOTE_LIMIT = 1024;

/**
 * Joins lines into a note of at most 1024 UTF-8 bytes, saying how many lines were left
 * out; a first line too long on its own is cut at a character boundary and ends in `…`.
 */
export function eventNote(lines: readonly string[]): string {
  let note = '';
  for (let index = 0; index < lines.length; index += 1) {
    const line = lines[index] ?? '';
    const next = note === '' ? line : `${note}\n${line}`;
    const rest = lines.length - index - 1;
    const suffix = rest > 0 ? `\n… and ${rest} more` : '';
    if (byteLength(next) + byteLength(suffix) > NOTE_LIMIT) {
      if (note !== '') return `${note}\n… and ${rest + 1} more`;
      return `${cutToBytes(line, NOTE_LIMIT - byteLength('…') - byteLength(suffix))}…${suffix}`;
    }
    note = next;
  }
  return note;
}

function byteLength(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}

/** The longest start of `text` of at most `max` UTF-8 bytes that does not split a character. */
function cutToBytes(text: string, max: number): string {
  const bytes = Buffer.from(text, 'utf8');
  if (bytes.length <= max) return text;
  let end = Math.max(0, max);
  // A continuation byte (10xxxxxx) at the cut belongs to a character begun before it.
  while (end > 0 && ((bytes[end] ?? 0) & 0xc0) === 0x80) end -= 1;
  return bytes.subarray(0, end).toString('utf8');
}

export interface EventRecorderOptions {
  /** Applied to every line of a note before it is cut (the agent masks decrypted values). @default none */
  readonly mask?: (text: string) => string;
}

export class EventRecorder {
  constructor(
    private readonly api: AgentApi,
    private readonly instance: string,
    private readonly options: EventRecorderOptions = {},
  ) {}

  /** Records an event on the object; failures are returned, never thrown (events are best effort). */
  async record(sync: EventSubject, event: SyncEvent): Promise<Error | undefined> {
    const namespace = sync.metadata.namespace ?? 'default';
    const now = new Date();
    const body = {
      apiVersion: 'events.k8s.io/v1',
      kind: 'Event',
      metadata: {
        name: `${sync.metadata.name}.${now.getTime().toString(16)}${randomBytes(3).toString('hex')}`,
        namespace,
        ...(event.revision ? { annotations: { 'strata.dev/revision': event.revision } } : {}),
      },
      eventTime: microTime(now),
      reportingController: REPORTING_CONTROLLER,
      reportingInstance: this.instance,
      action: 'Reconcile',
      reason: event.reason,
      type: event.type,
      note: eventNote(this.options.mask ? event.lines.map(this.options.mask) : event.lines),
      regarding: {
        apiVersion: sync.apiVersion,
        kind: sync.kind,
        namespace,
        name: sync.metadata.name,
        uid: sync.metadata.uid,
        resourceVersion: sync.metadata.resourceVersion,
      },
    };
    try {
      await this.api.request('POST', `/apis/events.k8s.io/v1/namespaces/${namespace}/events`, body);
      return undefined;
    } catch (error) {
      return error as Error;
    }
  }
}

function microTime(date: Date): string {
  return date.toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}
