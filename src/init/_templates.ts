// The files `strata init` writes: the seed's layout (clusters/, base/, apps/) with one small
// app, the project files, a CI workflow and a README. Paths are relative to the new project.

/** What the templates are filled with. */
export interface TemplateValues {
  /** The project's package name. */
  readonly name: string;
  /** The age recipient `.sops.yaml` encrypts to. */
  readonly recipient: string;
  /** The dependency range of the Strata package, e.g. `^0.1.0`. */
  readonly strataRange: string;
  /** The dependency range of `constructs` (the one Strata's library uses). */
  readonly constructsRange: string;
}

const ENVIRONMENTS = ['development', 'staging', 'production'] as const;

const APP_IMAGE = 'registry.k8s.io/e2e-test-images/agnhost:2.53';

const json = (value: unknown): string => `${JSON.stringify(value, null, 2)}\n`;

const profiles: Record<(typeof ENVIRONMENTS)[number], string> = {
  development: `  replicas: { scale: 0.5, min: 1, maxFactor: 1 },
  logLevel: 'debug',
  features: { podDisruptionBudgets: false },`,
  staging: `  replicas: { scale: 0.5, min: 1, maxFactor: 2 },`,
  production: `  replicas: { scale: 1, min: 2, maxFactor: 3 },`,
};

function clusterFiles(environment: (typeof ENVIRONMENTS)[number]): Record<string, string> {
  return {
    [`clusters/${environment}/index.ts`]: `// The ${environment} cluster: the shared composition (base/index.ts) with the ${environment}
// profile, then adapted by overlays (applied in order, after the components).
import { Cluster, Overlays } from 'strata-gitops';
import { layers } from '../../base/index.ts';
import { ${environment} } from './profile.ts';

export default new Cluster({
  environment: ${environment},
  layers,
  overlays: [Overlays.labels({ 'example.com/environment': '${environment}' })],
});
`,
    [`clusters/${environment}/profile.ts`]: `// ${environment}: only what differs from base/profile.ts (objects merge, arrays replace).
import { Environment } from 'strata-gitops';
import { baseProfile } from '../../base/profile.ts';
import lock from './images.json' with { type: 'json' };

export const ${environment} = Environment.define(baseProfile, {
  name: '${environment}',
  domain: '${environment === 'production' ? '' : `${environment}.`}example.com',
${profiles[environment]}
  images: lock.images,
});
`,
    // The image lock: one pinned image per component; image automation may rewrite it.
    [`clusters/${environment}/images.json`]: json({ images: { 'hello-api': APP_IMAGE } }),
  };
}

/** Every file of a new project, path → content. */
export function projectFiles(values: TemplateValues): Record<string, string> {
  return {
    'package.json': json({
      name: values.name,
      version: '0.0.0',
      private: true,
      type: 'module',
      scripts: { synth: 'strata synth', check: 'strata check', validate: 'strata validate' },
      dependencies: { constructs: values.constructsRange, 'strata-gitops': values.strataRange },
    }),
    'tsconfig.json': json({
      compilerOptions: {
        target: 'ES2022',
        module: 'NodeNext',
        moduleResolution: 'NodeNext',
        strict: true,
        noEmit: true,
        allowImportingTsExtensions: true,
        resolveJsonModule: true,
        skipLibCheck: true,
        verbatimModuleSyntax: true,
      },
      include: ['clusters', 'base', 'apps'],
    }),
    '.gitignore': 'node_modules/\n.cache/\n',
    '.sops.yaml': `# Files encrypted with \`strata secrets encrypt\` (or sops) go to these age recipients.
# Only the data of Secrets is encrypted; names and kinds stay readable in review.
creation_rules:
  - encrypted_regex: ^(data|stringData)$
    age: ${values.recipient}
`,
    '.github/workflows/strata.yml': `# Keeps deploy/ in step with the sources.
# - Pull requests: \`strata check\` compiles every cluster into a temporary folder and fails with
#   a diff when the committed deploy/ is stale; \`strata validate\` checks every object offline.
# - main: \`strata commit\` compiles, stages deploy/ and commits it (no commit when it is current).
name: strata

on:
  pull_request:
  push:
    branches: [main]

permissions:
  contents: read

jobs:
  check:
    if: github.event_name == 'pull_request'
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - uses: actions/setup-node@v4
        with:
          node-version: 20
          cache: npm
      - run: npm ci
      - run: npx --no-install strata check
      - run: npx --no-install strata validate

  commit:
    if: github.event_name == 'push' && github.ref == 'refs/heads/main'
    runs-on: ubuntu-latest
    permissions:
      contents: write
    steps:
      - uses: actions/checkout@v4
      - uses: actions/setup-node@v4
        with:
          node-version: 20
          cache: npm
      - run: npm ci
      - run: npx --no-install strata validate
      - run: |
          git config user.name "strata-bot"
          git config user.email "strata-bot@users.noreply.github.com"
          npx --no-install strata commit
          git push origin HEAD:main
`,
    'README.md': `# ${values.name}

The Kubernetes configuration of our clusters, in TypeScript, compiled by
[Strata](https://www.npmjs.com/package/strata-gitops) to plain manifests in \`deploy/<cluster>/\`,
which the Strata agent in each cluster applies.

- \`clusters/<env>/\`: one folder per cluster: its profile (what differs from \`base/profile.ts\`),
  its image lock \`images.json\`, and \`index.ts\` (the composition and its overlays).
- \`base/\`: what every cluster runs: namespaces, network and monitoring baselines, access.
- \`apps/\`: the applications, one file each, grouped by kind.

## Working on it

    npm install
    npx strata synth        # compile every cluster to deploy/
    npx strata check        # what CI runs on a pull request: is deploy/ current?
    npx strata validate     # every object against the Kubernetes schemas, offline

Commit the sources and \`deploy/\` together (CI's \`strata commit\` does it on main).

## Secrets

Encrypt a Secret before committing it: \`npx strata secrets encrypt base/secrets/db.sops.yaml\`.
\`.sops.yaml\` names the age recipients; the private key stays with you (\`~/.config/sops/age/keys.txt\`)
and in the cluster.

## A cluster

    npx strata install --context <ctx>                       # CRDs, namespace, RBAC, the agent
    npx strata bootstrap <cluster> --url <this repository>   # point the agent at deploy/<cluster>/
`,
    'base/profile.ts': `// The values every cluster starts from; clusters/<env>/profile.ts says how each differs.
import type { EnvironmentProfile } from 'strata-gitops';

export const baseProfile: EnvironmentProfile = {
  name: 'base',
  domain: 'example.com',
  // Components declare their replicas for production load; environments scale them.
  replicas: { scale: 1, min: 1, maxFactor: 3 },
  resourceTier: 'small',
  logLevel: 'info',
  features: {
    canary: false,
    // ServiceMonitors and PrometheusRules need the Prometheus operator's CRDs in the cluster.
    serviceMonitors: false,
    networkPolicies: true,
    podDisruptionBudgets: true,
    autoscaling: false,
  },
  ingressClassName: 'nginx',
  certificateIssuer: 'letsencrypt',
  // Image tags never live here: each cluster pins its own in clusters/<env>/images.json.
  images: {},
  components: {},
};
`,
    'base/namespaces.ts': `// Our namespaces, named once so apps and base components agree.
export const NAMESPACES = {
  /** The applications. */
  apps: 'apps',
  /** Prometheus rules and scrape configuration. */
  monitoring: 'monitoring',
} as const;

/** Namespaces that run workloads (and get the default-deny network baseline). */
export const WORKLOAD_NAMESPACES: readonly string[] = [NAMESPACES.apps];
`,
    'base/index.ts': `// The one composition every cluster runs; clusters differ only through their profile
// and overlays, so what runs in staging is what will run in production.
import type { ComponentBuilder } from 'strata-gitops';
import { backendServices } from '../apps/backend-services/index.ts';
import { dataPipelines } from '../apps/data-pipelines/index.ts';
import { frontendApps } from '../apps/frontend-apps/index.ts';
import { monitoring } from './monitoring/index.ts';
import { networking } from './networking/index.ts';
import { security } from './security/index.ts';

export const layers: Readonly<Record<string, readonly ComponentBuilder[]>> = {
  base: [security, networking, monitoring],
  apps: [...backendServices, ...frontendApps, ...dataPipelines],
};
`,
    'base/security/index.ts': `// Every namespace we own, labelled for Pod Security Admission (\`restricted\`).
import { Construct } from 'constructs';
import { SecureNamespace, type Environment } from 'strata-gitops';
import { NAMESPACES } from '../namespaces.ts';

export function security(scope: Construct, environment: Environment): void {
  const group = new Construct(scope, 'security');
  new SecureNamespace(group, NAMESPACES.apps);
  if (environment.features.serviceMonitors) new SecureNamespace(group, NAMESPACES.monitoring, { enforce: 'baseline' });
}
`,
    'base/networking/index.ts': `// Default-deny in every workload namespace; apps open what they serve themselves.
import type { Construct } from 'constructs';
import { NetworkBaseline, type Environment } from 'strata-gitops';
import { WORKLOAD_NAMESPACES } from '../namespaces.ts';

export function networking(scope: Construct, environment: Environment): void {
  new NetworkBaseline(scope, 'networking', {
    namespaces: environment.features.networkPolicies ? WORKLOAD_NAMESPACES : [],
  });
}
`,
    'base/monitoring/index.ts': `// Alerts every workload gets, once the cluster runs the Prometheus operator
// (turn on \`features.serviceMonitors\` in base/profile.ts).
import { Construct } from 'constructs';
import { AlertRules, type Environment } from 'strata-gitops';
import { NAMESPACES, WORKLOAD_NAMESPACES } from '../namespaces.ts';

export function monitoring(scope: Construct, environment: Environment): void {
  if (!environment.features.serviceMonitors) return;
  const group = new Construct(scope, 'monitoring');
  const namespaces = WORKLOAD_NAMESPACES.join('|');
  new AlertRules(group, 'workload-alerts', {
    namespace: NAMESPACES.monitoring,
    alerts: [
      {
        alert: 'PodCrashLooping',
        expr: \`increase(kube_pod_container_status_restarts_total{namespace=~"\${namespaces}"}[15m]) > 3\`,
        severity: environment.name === 'production' ? 'critical' : 'warning',
        summary: 'Pod {{ $labels.namespace }}/{{ $labels.pod }} restarts repeatedly',
      },
    ],
  });
}
`,
    'apps/backend-services/index.ts': `// HTTP APIs, built on the BackendService archetype. To add one, copy hello-api.ts, rename
// it, list it here and pin its image in every clusters/<env>/images.json.
import type { ComponentBuilder } from 'strata-gitops';
import { helloApi } from './hello-api.ts';

export const backendServices: readonly ComponentBuilder[] = [helloApi];
`,
    'apps/backend-services/hello-api.ts': `// hello-api: a small HTTP server (Kubernetes' agnhost netexec) answering on port 8080.
import type { Construct } from 'constructs';
import { BackendService, type Environment } from 'strata-gitops';
import { NAMESPACES } from '../../base/namespaces.ts';

export function helloApi(scope: Construct, environment: Environment): BackendService {
  const settings = environment.component('hello-api');
  const replicas = settings.replicas(2);
  return new BackendService(scope, 'hello-api', {
    namespace: NAMESPACES.apps,
    image: environment.image('hello-api'),
    args: ['netexec', '--http-port=8080'],
    port: 8080,
    replicas,
    resources: settings.resources,
    env: settings.env,
    probes: { readiness: { path: '/' }, liveness: { path: '/' } },
    autoscaling: settings.features.autoscaling ? { maxReplicas: settings.maxReplicas(replicas) } : false,
    disruptionBudget: settings.features.podDisruptionBudgets ? { maxUnavailable: 1 } : false,
    networkPolicy: settings.features.networkPolicies ? { allowFrom: [{ namespace: NAMESPACES.apps }] } : false,
  });
}
`,
    'apps/frontend-apps/index.ts': `// Front ends served to browsers (the FrontendApp archetype: Deployment, Service, Ingress).
import type { ComponentBuilder } from 'strata-gitops';

export const frontendApps: readonly ComponentBuilder[] = [];
`,
    'apps/data-pipelines/index.ts': `// Scheduled batch jobs (the DataPipeline archetype: a CronJob with its ServiceAccount).
import type { ComponentBuilder } from 'strata-gitops';

export const dataPipelines: readonly ComponentBuilder[] = [];
`,
    ...Object.assign({}, ...ENVIRONMENTS.map(clusterFiles)),
  };
}
