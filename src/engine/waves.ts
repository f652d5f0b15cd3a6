/**
 * Waves: a revision split by `strata.dev/wave` (an integer, default 0) into sets applied in
 * ascending order, each in kind order (apply.ts), the next one only once every object of the
 * previous wave is healthy (wait.ts). Argo CD's sync waves order the same way but do not wait
 * for health (argo-cd#4577); here a wave that does not become healthy stops the revision.
 */
import { ManifestSet, type ManifestEntry } from '../manifest/index.ts';
import { OrderingAnnotationError, waveOf } from '../api/index.ts';
import { ObjectError } from './apply.ts';

/** One wave of a revision. */
export interface Wave {
  /** The value of `strata.dev/wave` its objects carry. */
  readonly wave: number;
  readonly set: ManifestSet;
}

/** Wave or hook annotations that do not parse: one ObjectError per object, naming the annotation (a BuildFailed in the agent). */
export class OrderingError extends AggregateError {
  override readonly name = 'OrderingError';
  declare errors: ObjectError[];
  constructor(errors: readonly ObjectError[]) {
    super(errors, errors.map((error) => error.message).join('\n'));
    this.errors = [...errors];
  }
}

/**
 * The waves of a set, in ascending order; a set without wave annotations is one wave (the set
 * itself). Throws OrderingError with every object whose annotation does not parse.
 */
export function wavesOf(set: ManifestSet): Wave[] {
  const byWave = new Map<number, ManifestEntry[]>();
  const errors: ObjectError[] = [];
  for (const entry of set.entries) {
    let wave: number;
    try {
      wave = waveOf(entry.object);
    } catch (error) {
      if (!(error instanceof OrderingAnnotationError)) throw error;
      errors.push(new ObjectError(entry.ref, `${entry.source ?? entry.file}: ${error.message}`, { cause: error }));
      continue;
    }
    const entries = byWave.get(wave);
    if (entries) entries.push(entry);
    else byWave.set(wave, [entry]);
  }
  if (errors.length > 0) throw new OrderingError(errors);
  if (byWave.size <= 1) return [{ wave: byWave.keys().next().value ?? 0, set }];
  return [...byWave.keys()]
    .sort((a, b) => a - b)
    .map((wave) => ({ wave, set: ManifestSet.of(byWave.get(wave)!.map((entry) => (entry.source === undefined ? { object: entry.object } : { object: entry.object, source: entry.source }))) }));
}

/** How a wave is named in status, Events and errors: `wave 5 (2 of 3)`. */
export function describeWave(waves: readonly Wave[], index: number): string {
  return `wave ${waves[index]?.wave ?? 0} (${index + 1} of ${waves.length})`;
}
