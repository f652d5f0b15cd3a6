import type { KubeObject } from '../../src/manifest/index.ts';

/**
 * A small app that references other objects in every way the name overlays know:
 * ConfigMap, Secret, ServiceAccount and PVC from the pod spec; Service, Secret and
 * IngressClass from the Ingress; the Deployment from the HPA; Role and ServiceAccount
 * from the RoleBinding. Plus one reference to a Secret that is not in the set.
 */
export function appFixture(): KubeObject[] {
  const labels = { 'app.kubernetes.io/name': 'web' };
  return [
    { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'web-config', namespace: 'shop' }, data: { MODE: 'fast' } },
    { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'web-secret', namespace: 'shop' }, data: { TOKEN: 'c2VjcmV0' } },
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'web', namespace: 'shop' } },
    { apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'web-data', namespace: 'shop' }, spec: { accessModes: ['ReadWriteOnce'] } },
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web', namespace: 'shop', labels },
      spec: {
        replicas: 2,
        selector: { matchLabels: labels },
        template: {
          metadata: { labels },
          spec: {
            serviceAccountName: 'web',
            imagePullSecrets: [{ name: 'registry-credentials' }],
            initContainers: [{ name: 'migrate', image: 'ghcr.io/acme/web-migrate:1.0.0', envFrom: [{ secretRef: { name: 'web-secret' } }] }],
            containers: [
              {
                name: 'web',
                image: 'ghcr.io/acme/web:1.0.0',
                envFrom: [{ configMapRef: { name: 'web-config' } }],
                env: [
                  { name: 'MODE', valueFrom: { configMapKeyRef: { name: 'web-config', key: 'MODE' } } },
                  { name: 'TOKEN', valueFrom: { secretKeyRef: { name: 'web-secret', key: 'TOKEN' } } },
                ],
              },
            ],
            volumes: [
              { name: 'config', configMap: { name: 'web-config' } },
              { name: 'secret', secret: { secretName: 'web-secret' } },
              { name: 'data', persistentVolumeClaim: { claimName: 'web-data' } },
              { name: 'both', projected: { sources: [{ configMap: { name: 'web-config' } }, { secret: { name: 'web-secret' } }] } },
            ],
          },
        },
      },
    },
    { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: 'shop', labels }, spec: { selector: labels, ports: [{ port: 80 }] } },
    {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'Ingress',
      metadata: { name: 'web', namespace: 'shop' },
      spec: {
        ingressClassName: 'nginx',
        tls: [{ hosts: ['web.example.com'], secretName: 'web-secret' }],
        rules: [{ host: 'web.example.com', http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'web', port: { number: 80 } } } }] } }],
      },
    },
    {
      apiVersion: 'autoscaling/v2',
      kind: 'HorizontalPodAutoscaler',
      metadata: { name: 'web', namespace: 'shop' },
      spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' }, minReplicas: 2, maxReplicas: 4 },
    },
    { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name: 'web', namespace: 'shop' }, spec: { maxUnavailable: 1, selector: { matchLabels: labels } } },
    { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name: 'web', namespace: 'shop' }, rules: [] },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { name: 'web', namespace: 'shop' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'web' },
      subjects: [{ kind: 'ServiceAccount', name: 'web', namespace: 'shop' }],
    },
    { apiVersion: 'networking.k8s.io/v1', kind: 'IngressClass', metadata: { name: 'nginx' }, spec: { controller: 'k8s.io/ingress-nginx' } },
  ];
}

/** Reads a nested field for assertions. */
export function at(value: unknown, ...path: (string | number)[]): unknown {
  let current = value;
  for (const key of path) current = (current as Record<string | number, unknown> | undefined)?.[key];
  return current;
}
