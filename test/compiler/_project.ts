// A throw-away Strata project under <repo>/tmp/ (git-ignored), so that the repository's
// tsconfig.json and node_modules serve its type-check. Each cluster is a small module
// default-exporting a ClusterSource built from plain objects.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

export interface FixtureObject {
  readonly object: Record<string, unknown>;
  readonly source: string;
}

/** The objects of the fixture cluster `name`: a namespace, a config map, a deployment and its service. */
export function sampleObjects(name: string, options: { replicas?: unknown; namespace?: string } = {}): FixtureObject[] {
  const namespace = options.namespace ?? 'shop';
  const path = (rest: string) => `${name}/${rest}`;
  return [
    { source: path('base/Namespace'), object: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace, labels: { 'pod-security.kubernetes.io/enforce': 'restricted' } } } },
    {
      source: path('apps/api/ConfigMap'),
      object: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'api-config', namespace }, data: { 'app.yaml': 'port: 8080\nfeatures:\n  - "on"\n', ENABLED: 'yes', RETRIES: '3' } },
    },
    {
      source: path('apps/api/Deployment'),
      object: {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: 'api', namespace, labels: { 'app.kubernetes.io/name': 'api' } },
        spec: {
          replicas: options.replicas ?? 2,
          selector: { matchLabels: { 'app.kubernetes.io/name': 'api' } },
          template: {
            metadata: { labels: { 'app.kubernetes.io/name': 'api' } },
            spec: { containers: [{ name: 'api', image: 'ghcr.io/acme/api:1.2.3', ports: [{ containerPort: 8080, name: 'http' }], envFrom: [{ configMapRef: { name: 'api-config' } }] }] },
          },
        },
      },
    },
    {
      source: path('apps/api/Service'),
      object: { apiVersion: 'v1', kind: 'Service', metadata: { name: 'api', namespace }, spec: { selector: { 'app.kubernetes.io/name': 'api' }, ports: [{ port: 80, targetPort: 'http' }] } },
    },
  ];
}

/** The source of `clusters/<name>/index.ts` for the given objects (or any TypeScript body). */
export function clusterModule(name: string, objects: readonly FixtureObject[]): string {
  return `// Fixture cluster ${name}.\nconst objects: unknown[] = ${JSON.stringify(objects, null, 2)};\n\nexport default {\n  name: ${JSON.stringify(name)},\n  synthesize: () => objects as { object: { apiVersion: string; kind: string; metadata: { name: string } }; source: string }[],\n};\n`;
}

export class FixtureProject {
  readonly root: string;

  constructor(clusters: Readonly<Record<string, string>>) {
    mkdirSync(join(REPO, 'tmp'), { recursive: true });
    this.root = mkdtempSync(join(REPO, 'tmp', 'strata-fixture-'));
    for (const [name, source] of Object.entries(clusters)) this.setCluster(name, source);
  }

  setCluster(name: string, source: string): void {
    const file = join(this.root, 'clusters', name, 'index.ts');
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, source);
  }

  path(...parts: string[]): string {
    return join(this.root, ...parts);
  }

  remove(): void {
    rmSync(this.root, { recursive: true, force: true });
  }
}
