/**
 * Prometheus metrics of image update automation, registered in the agent's
 * registry (kept apart from metrics.ts so each controller owns its series).
 */
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { ImageUpdateConditionReason } from '../api/index.ts';

export class ImageUpdateMetrics {
  readonly runs: Counter<'namespace' | 'name' | 'reason'>;
  readonly duration: Histogram<'namespace' | 'name'>;
  readonly lastPush: Gauge<'namespace' | 'name'>;

  constructor(registry: Registry) {
    this.runs = new Counter({
      name: 'strata_image_update_runs_total',
      help: 'ImageUpdate runs by the reason of their Ready condition (Updated, UpToDate, GitFailed, ...).',
      labelNames: ['namespace', 'name', 'reason'] as const,
      registers: [registry],
    });
    this.duration = new Histogram({
      name: 'strata_image_update_duration_seconds',
      help: 'Time one ImageUpdate run took (fetch, scan, recompile, push).',
      labelNames: ['namespace', 'name'] as const,
      buckets: [0.5, 1, 2.5, 5, 10, 30, 60, 120, 300],
      registers: [registry],
    });
    this.lastPush = new Gauge({
      name: 'strata_image_update_last_push_timestamp_seconds',
      help: 'When the ImageUpdate last pushed a commit (Unix time).',
      labelNames: ['namespace', 'name'] as const,
      registers: [registry],
    });
  }

  /** Drops the series of a deleted object. */
  forget(namespace: string, name: string): void {
    this.duration.remove({ namespace, name });
    this.lastPush.remove({ namespace, name });
    for (const reason of Object.keys(REASONS)) this.runs.remove({ namespace, name, reason });
  }
}

// Every reason, checked by the compiler against the closed set.
const REASONS = {
  Updated: true,
  UpToDate: true,
  PartiallyUpdated: true,
  PushConflict: true,
  ScanFailed: true,
  RecompileFailed: true,
  GitFailed: true,
  InvalidSpec: true,
} satisfies Record<ImageUpdateConditionReason, true>;
