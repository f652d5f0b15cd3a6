/**
 * Prometheus metrics of the agent, in their own registry so several agents
 * can run in one process (tests) without clashing.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export class AgentMetrics {
  readonly registry = new Registry();
  readonly reconcileDuration = new Histogram({
    name: 'strata_reconcile_duration_seconds',
    help: 'Time one Sync reconciliation took, by result.',
    labelNames: ['namespace', 'name', 'result'] as const,
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
    registers: [this.registry],
  });
  readonly reconcileTotal = new Counter({
    name: 'strata_reconcile_total',
    help: 'Reconciliations by result reason (ReconciliationSucceeded, ArtifactFailed, ...).',
    labelNames: ['namespace', 'name', 'reason'] as const,
    registers: [this.registry],
  });
  readonly objectsApplied = new Counter({
    name: 'strata_objects_applied_total',
    help: 'Objects written by apply, by action (created, configured).',
    labelNames: ['namespace', 'name', 'action'] as const,
    registers: [this.registry],
  });
  readonly objectsPruned = new Counter({
    name: 'strata_objects_pruned_total',
    help: 'Objects deleted by prune.',
    labelNames: ['namespace', 'name'] as const,
    registers: [this.registry],
  });
  readonly driftDetected = new Counter({
    name: 'strata_drift_detected_total',
    help: 'Manual changes to managed objects seen by the drift watcher.',
    labelNames: ['namespace', 'name', 'mode'] as const,
    registers: [this.registry],
  });
  readonly driftCorrections = new Counter({
    name: 'strata_drift_corrections_total',
    help: 'Reconciliations started to correct drift.',
    labelNames: ['namespace', 'name'] as const,
    registers: [this.registry],
  });
  readonly ready = new Gauge({
    name: 'strata_sync_ready',
    help: 'Ready condition per Sync: 1 True, 0 False, -1 Unknown.',
    labelNames: ['namespace', 'name'] as const,
    registers: [this.registry],
  });
  readonly leader = new Gauge({
    name: 'strata_leader',
    help: '1 while this replica holds the leader lease.',
    registers: [this.registry],
  });

  constructor(options: { readonly defaultMetrics?: boolean } = {}) {
    if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: this.registry, prefix: 'strata_' });
  }

  setReady(namespace: string, name: string, status: 'True' | 'False' | 'Unknown' | undefined): void {
    this.ready.set({ namespace, name }, status === 'True' ? 1 : status === 'False' ? 0 : -1);
  }

  forget(namespace: string, name: string): void {
    this.ready.remove({ namespace, name });
  }

  text(): Promise<string> {
    return this.registry.metrics();
  }
}
