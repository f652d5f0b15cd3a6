/**
 * Prometheus metrics of the agent, in their own registry so several agents
 * can run in one process (tests) without clashing.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** One metric of the agent; `labels` are its label names, in the order they are exposed. */
interface MetricSpec {
  readonly kind: 'counter' | 'gauge' | 'histogram';
  readonly name: string;
  readonly help: string;
  readonly labels: readonly string[];
  readonly buckets?: readonly number[];
}

const SYNC = ['namespace', 'name'] as const;

/** Every metric of the agent, keyed by its field on AgentMetrics. */
const METRICS = {
  reconcileDuration: {
    kind: 'histogram',
    name: 'strata_reconcile_duration_seconds',
    help: 'Time one Sync reconciliation took, by result.',
    labels: [...SYNC, 'result'],
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
  },
  reconcileTotal: { kind: 'counter', name: 'strata_reconcile_total', help: 'Reconciliations by result reason (ReconciliationSucceeded, ArtifactFailed, ...).', labels: [...SYNC, 'reason'] },
  objectsApplied: { kind: 'counter', name: 'strata_objects_applied_total', help: 'Objects written by apply, by action (created, configured).', labels: [...SYNC, 'action'] },
  objectsPruned: { kind: 'counter', name: 'strata_objects_pruned_total', help: 'Objects deleted by prune.', labels: SYNC },
  driftDetected: { kind: 'counter', name: 'strata_drift_detected_total', help: 'Manual changes to managed objects seen by the drift watcher.', labels: [...SYNC, 'mode'] },
  driftCorrections: { kind: 'counter', name: 'strata_drift_corrections_total', help: 'Reconciliations started to correct drift.', labels: SYNC },
  ready: { kind: 'gauge', name: 'strata_sync_ready', help: 'Ready condition per Sync: 1 True, 0 False, -1 Unknown.', labels: SYNC },
  leader: { kind: 'gauge', name: 'strata_leader', help: '1 while this replica holds the leader lease.', labels: [] },
} as const satisfies Record<string, MetricSpec>;

type MetricOf<S extends MetricSpec> = S['kind'] extends 'counter'
  ? Counter<S['labels'][number]>
  : S['kind'] extends 'gauge'
    ? Gauge<S['labels'][number]>
    : Histogram<S['labels'][number]>;

/** The metric fields, typed by their specs (so each takes exactly its labels). */
type MetricFields = { readonly [K in keyof typeof METRICS]: MetricOf<(typeof METRICS)[K]> };

function create(spec: MetricSpec, registry: Registry): Counter | Gauge | Histogram {
  const config = { name: spec.name, help: spec.help, labelNames: spec.labels, registers: [registry] };
  if (spec.kind === 'counter') return new Counter(config);
  if (spec.kind === 'gauge') return new Gauge(config);
  return new Histogram({ ...config, ...(spec.buckets === undefined ? {} : { buckets: [...spec.buckets] }) });
}

// The metric fields are made from METRICS in the constructor; this interface gives them their types.
export interface AgentMetrics extends MetricFields {}

export class AgentMetrics {
  readonly registry = new Registry();

  /** `shard`: the agent's shard, added as the label `shard` to every series. */
  constructor(options: { readonly defaultMetrics?: boolean; readonly shard?: string } = {}) {
    if (options.shard !== undefined) this.registry.setDefaultLabels({ shard: options.shard });
    for (const [field, spec] of Object.entries(METRICS) as [keyof MetricFields, MetricSpec][]) {
      Object.defineProperty(this, field, { value: create(spec, this.registry), enumerable: true });
    }
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
