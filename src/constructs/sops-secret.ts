/**
 * A Secret whose values come from a SOPS-encrypted file in the repository. The compiled
 * object carries the ciphertext only (the whole encrypted document, so its MAC still
 * verifies); the agent decrypts it in the cluster with the Sync's `spec.decryption` keys.
 */
import { readFileSync } from 'node:fs';
import { isAbsolute, relative, resolve } from 'node:path';
import { ApiObject, Chart } from 'cdk8s';
import { Construct } from 'constructs';
import { formatOf, type SopsFormat } from '../secrets/document.ts';
import { ENVELOPE_VERSION, inspectSopsSource, valueAt, type SopsEnvelope, type SopsSourceInfo } from '../secrets/sops-envelope.ts';

export interface SopsSecretProps {
  /** The encrypted file (YAML or JSON), relative to the current folder (the repository root when compiling). */
  readonly file: string;
  /**
   * Which values feed the Secret: Secret key → the value's key in the source. A string is a key of
   * the source Secret's `stringData`/`data` (or a top-level key of any other document); an array is
   * the full path of mapping keys.
   * @default every key of the source Secret's `data` and `stringData`, or every top-level scalar of another document
   */
  readonly keys?: Readonly<Record<string, string | readonly string[]>>;
  /** @default the source Secret's `metadata.name`, else a name generated from the construct path */
  readonly name?: string;
  /** @default the source Secret's `metadata.namespace`, else none */
  readonly namespace?: string;
  /** @default the source Secret's `type`, else `Opaque` */
  readonly type?: string;
  /** @default none */
  readonly labels?: Readonly<Record<string, string>>;
  /** @default none */
  readonly annotations?: Readonly<Record<string, string>>;
  /**
   * age recipients the file must be encrypted for (usually the cluster's key): synthesis fails,
   * naming the missing ones, instead of the agent failing later. Fix with `strata secrets updatekeys`.
   * @default no check
   */
  readonly requireRecipients?: readonly string[];
}

/** A Secret filled in the cluster from a SOPS file; the compiler and Git only ever hold its ciphertext. */
export class SopsSecret extends Construct {
  readonly apiObject: ApiObject;
  readonly name: string;
  /** The age recipients the source file is encrypted for. */
  readonly recipients: readonly string[];

  constructor(scope: Construct, id: string, props: SopsSecretProps) {
    super(scope, id);
    const problems: string[] = [];
    const format: SopsFormat = formatOf(props.file);
    const display = isAbsolute(props.file) ? relative(process.cwd(), props.file) || props.file : props.file;
    let info: SopsSourceInfo | undefined;
    try {
      info = inspectSopsSource(readFileSync(resolve(props.file), 'utf8'), format, display);
    } catch (error) {
      problems.push(error instanceof Error ? error.message : String(error));
    }
    const missing = info ? (props.requireRecipients ?? []).filter((r) => !info.recipients.includes(r)) : [];
    if (missing.length > 0) {
      problems.push(`${display} is not encrypted for ${missing.join(', ')}; run \`strata secrets updatekeys ${display}\` (or add-recipient)`);
    }
    const shape = info?.shape ?? {};
    const isSecret = shape.kind === 'Secret';
    const meta = (isSecret ? shape.metadata : undefined) as { name?: unknown; namespace?: unknown } | undefined;
    const selection = info ? select(shape, isSecret, props.keys, display, problems) : { stringData: {}, data: {} };
    const envelope: SopsEnvelope = {
      envelope: ENVELOPE_VERSION,
      source: display,
      format,
      document: info?.text ?? '',
      ...(Object.keys(selection.stringData).length > 0 ? { stringData: selection.stringData } : {}),
      ...(Object.keys(selection.data).length > 0 ? { data: selection.data } : {}),
    };
    const name = props.name ?? (typeof meta?.name === 'string' ? meta.name : undefined);
    const namespace = props.namespace ?? (typeof meta?.namespace === 'string' ? meta.namespace : undefined);
    this.apiObject = new ApiObject(this, 'Resource', {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: {
        ...(name === undefined ? {} : { name }),
        ...(namespace === undefined ? {} : { namespace }),
        ...(props.labels ? { labels: { ...props.labels } } : {}),
        ...(props.annotations ? { annotations: { ...props.annotations } } : {}),
      },
      type: props.type ?? (isSecret && typeof shape.type === 'string' ? shape.type : 'Opaque'),
      sops: envelope,
    } as never);
    this.name = this.apiObject.name ?? Chart.of(this).generateObjectName(this.apiObject);
    this.recipients = info?.recipients ?? [];
    this.node.addValidation({ validate: () => problems.map((p) => `SopsSecret: ${p}`) });
  }
}

function select(
  shape: Readonly<Record<string, unknown>>,
  isSecret: boolean,
  keys: SopsSecretProps['keys'],
  source: string,
  problems: string[],
): { stringData: Record<string, string[]>; data: Record<string, string[]> } {
  const stringData: Record<string, string[]> = {};
  const data: Record<string, string[]> = {};
  if (keys === undefined) {
    if (isSecret) {
      for (const [field, target] of [['stringData', stringData], ['data', data]] as const) {
        const values = shape[field];
        if (typeof values === 'object' && values !== null) for (const key of Object.keys(values)) target[key] = [field, key];
      }
    } else {
      for (const [key, value] of Object.entries(shape)) if (key !== 'sops' && (typeof value !== 'object' || value === null)) stringData[key] = [key];
    }
    if (Object.keys(stringData).length + Object.keys(data).length === 0) problems.push(`${source} has no values to put in the Secret`);
    return { stringData, data };
  }
  for (const [secretKey, from] of Object.entries(keys)) {
    let path: string[];
    if (typeof from !== 'string') path = [...from];
    else if (isSecret) path = valueAt(shape, ['data', from]) !== undefined ? ['data', from] : ['stringData', from];
    else path = [from];
    const value = valueAt(shape, path);
    if (value === undefined || (typeof value === 'object' && value !== null)) {
      problems.push(`${source} has no value at ${path.join('.')} (for Secret key ${secretKey})`);
      continue;
    }
    (isSecret && path[0] === 'data' && path.length === 2 ? data : stringData)[secretKey] = path;
  }
  return { stringData, data };
}
