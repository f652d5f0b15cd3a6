import { describe, expect, it } from 'vitest';
import { ConstructValidationError, FrontendApp, Testing } from '../../src/constructs/index.ts';
import { at } from './_fixtures.ts';

const props = { namespace: 'shop', image: 'ghcr.io/acme/web:1.0.0', host: 'shop.example.com', ingressClassName: 'nginx' };

describe('FrontendApp', () => {
  it('creates Deployment, Service, Ingress with TLS, PDB and NetworkPolicy', () => {
    const objects = Testing.objects((scope) => new FrontendApp(scope, 'web', props));
    expect(objects.map((object) => object.kind)).toEqual(['Deployment', 'Service', 'Ingress', 'PodDisruptionBudget', 'NetworkPolicy']);
    const ingress = Testing.find(objects, 'Ingress', 'web');
    expect(ingress.metadata.annotations).toEqual({ 'cert-manager.io/cluster-issuer': 'letsencrypt' });
    expect(at(ingress, 'spec', 'tls')).toEqual([{ hosts: ['shop.example.com'], secretName: 'web-tls' }]);
    expect(at(ingress, 'spec', 'rules', 0, 'http', 'paths', 0, 'backend')).toEqual({ service: { name: 'web', port: { name: 'http' } } });
    expect(objects).toMatchSnapshot();
  });

  it('rejects a host that is not a DNS name', () => {
    expect(() => Testing.cluster((scope) => new FrontendApp(scope, 'web', { ...props, host: 'Shop_Example' })).synthesize()).toThrow(ConstructValidationError);
  });
});
