import { describe, expect, it } from 'vitest';
import { withStringDataEncoded } from '../../src/kube/secret-data.ts';
import type { KubeObject } from '../../src/manifest/index.ts';

const secret = (fields: Record<string, unknown>): KubeObject => ({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 's', namespace: 'n' }, ...fields }) as KubeObject;

describe('withStringDataEncoded', () => {
  it('moves stringData into data, base64 of the UTF-8 bytes, stringData winning a shared key as on the API server', () => {
    const out = withStringDataEncoded(secret({ type: 'Opaque', data: { kept: 'a2VwdA==', both: 'b2xk' }, stringData: { both: 'new', text: 'grüße\n' } }));
    expect(out).toEqual(secret({ type: 'Opaque', data: { kept: 'a2VwdA==', both: Buffer.from('new').toString('base64'), text: Buffer.from('grüße\n', 'utf8').toString('base64') } }));
    expect(out).not.toHaveProperty('stringData');
  });

  it('gives a data map to a Secret of stringData only, and leaves an empty stringData as an empty data', () => {
    expect(withStringDataEncoded(secret({ stringData: { a: '' } }))).toEqual(secret({ data: { a: '' } }));
    expect(withStringDataEncoded(secret({ stringData: {} }))).toEqual(secret({ data: {} }));
  });

  it('leaves other objects, and Secrets without stringData, as they are (the same object)', () => {
    const configMap = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' }, stringData: { a: 'b' } } as KubeObject;
    const plain = secret({ data: { a: 'Yg==' } });
    const foreign = { apiVersion: 'example.com/v1', kind: 'Secret', metadata: { name: 'x' }, stringData: { a: 'b' } } as KubeObject;
    expect(withStringDataEncoded(configMap)).toBe(configMap);
    expect(withStringDataEncoded(plain)).toBe(plain);
    expect(withStringDataEncoded(foreign)).toBe(foreign);
  });
});
