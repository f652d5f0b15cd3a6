import { App, Chart, Testing } from 'cdk8s';
import { describe, expect, it } from 'vitest';
import { StrataAgent } from '../../src/constructs/agent.ts';

describe('StrataAgent construct', () => {
  it('renders the CRDs, namespace, least-privilege RBAC and a two-replica Deployment', () => {
    const app = Testing.app();
    const chart = new Chart(app as App, 'agent');
    new StrataAgent(chart, 'strata', { image: 'strata-agent:1' });
    const objects = Testing.synth(chart) as { kind: string; metadata: { name: string }; rules?: { verbs: string[]; resources: string[] }[]; spec?: { replicas?: number } }[];
    expect(objects.map((object) => `${object.kind}/${object.metadata.name}`).sort()).toMatchSnapshot();
    const role = objects.find((object) => object.kind === 'ClusterRole');
    const writes = (role?.rules ?? []).filter((rule) => rule.verbs.some((verb) => !['get', 'list', 'watch'].includes(verb)));
    expect(writes.flatMap((rule) => rule.resources).sort()).toEqual(['events', 'events', 'imageupdates/status', 'serviceaccounts', 'syncs', 'syncs/status']);
    // ImageUpdates are read and watched; only their status is written.
    expect(role?.rules?.find((rule) => rule.resources.includes('imageupdates'))?.verbs).toEqual(['get', 'list', 'watch']);
    expect(objects.find((object) => object.kind === 'Deployment')?.spec?.replicas).toBe(2);
  });

  it('webhookSecretName mounts the Secret read-only and passes it as --webhook-secret-file', () => {
    const chart = new Chart(Testing.app() as App, 'agent');
    new StrataAgent(chart, 'strata', { image: 'strata-agent:1', webhookSecretName: 'forge-hook' });
    type Pod = { containers: { args: string[]; volumeMounts: { name: string; mountPath: string; readOnly?: boolean }[] }[]; volumes: { name: string; secret?: { secretName: string } }[] };
    const deployment = (Testing.synth(chart) as { kind: string; spec?: { template: { spec: Pod } } }[]).find((object) => object.kind === 'Deployment');
    const pod = deployment?.spec?.template.spec;
    expect(pod?.containers[0]?.args).toContain('--webhook-secret-file=/etc/strata/webhook/secret');
    expect(pod?.containers[0]?.volumeMounts).toContainEqual({ name: 'webhook-secret', mountPath: '/etc/strata/webhook', readOnly: true });
    expect(pod?.volumes.find((volume) => volume.name === 'webhook-secret')?.secret?.secretName).toBe('forge-hook');
  });

  it('shards: a Deployment and a Service per shard key, with --shard, pods its own selector, the main Deployment unchanged', () => {
    type Workload = { kind: string; metadata: { name: string }; spec: { selector: { matchLabels?: Record<string, string> } | Record<string, string>; template?: { metadata: { labels: Record<string, string> }; spec: { containers: { args: string[] }[] } } } };
    const render = (shards?: string[]): Workload[] => {
      const chart = new Chart(Testing.app() as App, 'agent');
      new StrataAgent(chart, 'strata', { image: 'strata-agent:1', ...(shards ? { shards } : {}) });
      return Testing.synth(chart) as Workload[];
    };
    const plain = render();
    const sharded = render(['a', 'b']);
    const deployments = sharded.filter((object) => object.kind === 'Deployment');
    expect(deployments.map((object) => object.metadata.name)).toEqual(['strata-agent', 'strata-agent-shard-a', 'strata-agent-shard-b']);
    expect(sharded.filter((object) => object.kind === 'Service').map((object) => object.metadata.name)).toEqual(['strata-agent', 'strata-agent-shard-a', 'strata-agent-shard-b']);
    expect(deployments[0]).toEqual(plain.find((object) => object.kind === 'Deployment'));
    const [main, a] = deployments;
    expect(a?.spec.template?.spec.containers[0]?.args).toEqual([...(main?.spec.template?.spec.containers[0]?.args ?? []), '--shard=a']);
    // No Deployment's selector matches another's pods.
    for (const deployment of deployments) {
      const selector = (deployment.spec.selector as { matchLabels: Record<string, string> }).matchLabels;
      const matches = deployments.filter((other) => Object.entries(selector).every(([key, value]) => other.spec.template?.metadata.labels[key] === value));
      expect(matches.map((other) => other.metadata.name)).toEqual([deployment.metadata.name]);
    }
    expect(() => render(['Not_A_Key'])).toThrow('shard "Not_A_Key"');
  });
});
