// The overlay the benchmark applies on both sides, Strata's and kustomize's: one
// namespace, a name prefix, labels (selectors untouched), an image tag and replicas.
import { Overlays, type Overlay } from '../src/constructs/index.ts';

export const FLEET_NAME = 'fleet';
const TOUCHED_APPS = 10;

function apps(objects: number): string[] {
  // Backend services are app-0, app-3, app-6...: their Deployments take the overrides.
  return Array.from({ length: Math.min(TOUCHED_APPS, Math.ceil(objects / 13)) }, (_, i) => `app-${i * 3}`);
}

export function fleetOverlays(objects: number): Overlay[] {
  return [
    Overlays.namespace('fleet-prod'),
    Overlays.namePrefix('prod-'),
    Overlays.labels({ 'strata.dev/environment': 'production', team: 'fleet' }),
    Overlays.images(apps(objects).map((app) => ({ name: `ghcr.io/fleet/${app}`, newTag: '2.0.0' }))),
    Overlays.replicas(apps(objects).map((app) => ({ name: `prod-${app}`, count: 5 }))),
  ];
}

export function kustomization(resources: readonly string[]): string {
  return `apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n${resources.map((file) => `  - ${file}`).join('\n')}\n`;
}

export function overlayKustomization(base: string, objects: number): string {
  const lines = [
    'apiVersion: kustomize.config.k8s.io/v1beta1',
    'kind: Kustomization',
    'resources:',
    `  - ${base}`,
    'namespace: fleet-prod',
    'namePrefix: prod-',
    'labels:',
    '  - pairs:',
    '      strata.dev/environment: production',
    '      team: fleet',
    '    includeSelectors: false',
    '    includeTemplates: false',
    'images:',
    ...apps(objects).flatMap((app) => [`  - name: ghcr.io/fleet/${app}`, '    newTag: 2.0.0']),
    'replicas:',
    ...apps(objects).flatMap((app) => [`  - name: prod-${app}`, '    count: 5']),
  ];
  return `${lines.join('\n')}\n`;
}
