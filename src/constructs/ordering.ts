/**
 * Waves for constructs: `Wave.of(construct).set(n)` puts `strata.dev/wave: "n"` on every
 * object under the construct when the cluster is synthesized (objects added after the call
 * too); an object's own annotation, or a nearer construct's wave, wins. The agent applies
 * waves in ascending order and waits until one is healthy before the next (docs/engine.md).
 */
import { ApiObject } from 'cdk8s';
import type { IConstruct } from 'constructs';
import { WAVE_ANNOTATION } from '../api/index.ts';

const waves = new WeakMap<IConstruct, number>();

export class Wave {
  /** The wave of `scope` and everything under it. */
  static of(scope: IConstruct): Wave {
    return new Wave(scope);
  }

  private constructor(private readonly scope: IConstruct) {}

  /** Applies the objects under the scope in wave `wave` (an integer; waves without objects are skipped; default 0). */
  set(wave: number): this {
    if (!Number.isSafeInteger(wave)) throw new Error(`${this.scope.node.path}: wave ${wave} is not an integer`);
    waves.set(this.scope, wave);
    return this;
  }

  /** The wave set on the scope itself, if any. */
  get(): number | undefined {
    return waves.get(this.scope);
  }
}

/**
 * Writes the wave of the nearest scope that has one onto each object without its own.
 * @internal
 */
export function annotateWaves(objects: readonly ApiObject[]): void {
  for (const object of objects) {
    const scope = [...object.node.scopes].reverse().find((candidate) => waves.has(candidate));
    if (!scope) continue;
    const own = (object.metadata.toJson() as { annotations?: Record<string, string> }).annotations?.[WAVE_ANNOTATION];
    if (own === undefined) object.metadata.addAnnotation(WAVE_ANNOTATION, String(waves.get(scope)));
  }
}
