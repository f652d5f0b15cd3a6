/** Small helpers to walk plain JSON without `any`. @internal */
export type JsonRecord = Record<string, unknown>;

/** @internal */
export function isRecord(value: unknown): value is JsonRecord {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The record at `path` under `root`, or undefined. @internal */
export function recordAt(root: unknown, path: readonly string[]): JsonRecord | undefined {
  let current: unknown = root;
  for (const key of path) {
    if (!isRecord(current)) return undefined;
    current = current[key];
  }
  return isRecord(current) ? current : undefined;
}

/** The records of the array at `key`, skipping anything else. @internal */
export function recordsOf(holder: JsonRecord | undefined, key: string): JsonRecord[] {
  const value = holder?.[key];
  return Array.isArray(value) ? value.filter(isRecord) : [];
}

/** The record at `key`, created when missing. @internal */
export function ensureRecord(holder: JsonRecord, key: string): JsonRecord {
  const value = holder[key];
  if (isRecord(value)) return value;
  const created: JsonRecord = {};
  holder[key] = created;
  return created;
}
