import { describe, expect, it } from 'vitest';
import { applyJsonPatch, Overlays, Testing } from '../../src/constructs/index.ts';
import { appFixture, at } from './_fixtures.ts';

describe('jsonPatch', () => {
  it('applies RFC 6902 operations to the selected object', () => {
    const objects = Testing.overlay(
      appFixture(),
      Overlays.jsonPatch({ kind: 'Ingress', name: 'web' }, [
        { op: 'add', path: '/metadata/annotations', value: {} },
        { op: 'add', path: '/metadata/annotations/nginx.ingress.kubernetes.io~1ssl-redirect', value: 'true' },
        { op: 'replace', path: '/spec/rules/0/host', value: 'www.example.com' },
        { op: 'test', path: '/spec/ingressClassName', value: 'nginx' },
        { op: 'copy', from: '/spec/rules/0/host', path: '/spec/tls/0/hosts/-' },
        { op: 'remove', path: '/spec/tls/0/hosts/0' },
      ]),
    );
    const ingress = Testing.find(objects, 'Ingress', 'web');
    expect(ingress.metadata.annotations).toEqual({ 'nginx.ingress.kubernetes.io/ssl-redirect': 'true' });
    expect(at(ingress, 'spec', 'rules', 0, 'host')).toBe('www.example.com');
    expect(at(ingress, 'spec', 'tls', 0, 'hosts')).toEqual(['www.example.com']);
  });

  it('moves values and reports failures with the object and the operation', () => {
    const document = { a: { b: 1 }, list: [1, 2] };
    applyJsonPatch(document, [{ op: 'move', from: '/a/b', path: '/c' }]);
    expect(document).toEqual({ a: {}, c: 1, list: [1, 2] });
    expect(() => applyJsonPatch(document, [{ op: 'test', path: '/c', value: 2 }])).toThrow(/operation 0 \(test\): test failed/);
    expect(() => applyJsonPatch(document, [{ op: 'remove', path: '/list/5' }])).toThrow(/out of range/);
    expect(() => Testing.overlay(appFixture(), Overlays.jsonPatch({ kind: 'Service', name: 'web' }, [{ op: 'remove', path: '/spec/nope' }]))).toThrow(
      /Service\/web: operation 0 \(remove\): path "\/spec\/nope" does not exist/,
    );
  });
});
