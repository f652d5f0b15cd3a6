import { Construct } from 'constructs';
import { PrometheusRule, PrometheusRuleSpecGroupsRulesExpr, ServiceMonitor } from '../imports/monitoring.coreos.com.ts';

export type Severity = 'info' | 'warning' | 'critical';

/** One alerting rule. */
export interface Alert {
  readonly alert: string;
  readonly expr: string;
  /** @default '5m' */
  readonly for?: string;
  /** @default 'warning' */
  readonly severity?: Severity;
  readonly summary: string;
  /** @default none */
  readonly runbookUrl?: string;
}

export interface AlertRulesProps {
  readonly namespace: string;
  /** Rule group name. @default the construct id */
  readonly group?: string;
  readonly alerts: readonly Alert[];
  /** Labels Prometheus's `ruleSelector` matches. @default { role: 'alert-rules' } */
  readonly labels?: Readonly<Record<string, string>>;
}

/** A PrometheusRule of alerts, with severity and summary in the places Alertmanager expects. */
export class AlertRules extends Construct {
  readonly rule: PrometheusRule;
  constructor(scope: Construct, id: string, props: AlertRulesProps) {
    super(scope, id);
    this.node.addValidation({
      validate: () => {
        const seen = new Set<string>();
        return props.alerts.flatMap((alert) => (seen.has(alert.alert) ? [`alert "${alert.alert}" is defined twice`] : (seen.add(alert.alert), [])));
      },
    });
    this.rule = new PrometheusRule(this, 'PrometheusRule', {
      metadata: { name: id, namespace: props.namespace, labels: { ...(props.labels ?? { role: 'alert-rules' }) } },
      spec: {
        groups: [
          {
            name: props.group ?? id,
            rules: props.alerts.map((alert) => ({
              alert: alert.alert,
              expr: PrometheusRuleSpecGroupsRulesExpr.fromString(alert.expr),
              for: alert.for ?? '5m',
              labels: { severity: alert.severity ?? 'warning' },
              annotations: { summary: alert.summary, ...(alert.runbookUrl === undefined ? {} : { runbook_url: alert.runbookUrl }) },
            })),
          },
        ],
      },
    });
  }
}

export interface ScrapeTargetProps {
  readonly namespace: string;
  /** Labels of the Services to scrape. */
  readonly selector: Readonly<Record<string, string>>;
  /** Namespaces the Services live in. @default the ServiceMonitor's own */
  readonly namespaces?: readonly string[];
  /** Service port name. @default 'metrics' */
  readonly port?: string;
  /** @default '/metrics' */
  readonly path?: string;
  /** @default '30s' */
  readonly interval?: string;
}

/** A ServiceMonitor for something Strata does not build itself (an ingress controller, a database). */
export class ScrapeTarget extends Construct {
  constructor(scope: Construct, id: string, props: ScrapeTargetProps) {
    super(scope, id);
    new ServiceMonitor(this, 'ServiceMonitor', {
      metadata: { name: id, namespace: props.namespace },
      spec: {
        selector: { matchLabels: { ...props.selector } },
        namespaceSelector: props.namespaces === undefined ? undefined : { matchNames: [...props.namespaces] },
        endpoints: [{ port: props.port ?? 'metrics', path: props.path ?? '/metrics', interval: props.interval ?? '30s' }],
      },
    });
  }
}
