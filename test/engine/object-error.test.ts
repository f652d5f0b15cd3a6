import { describe, expect, it } from 'vitest';
import { ObjectError } from '../../src/engine/index.ts';

const ref = { group: '', version: 'v1', kind: 'ServiceAccount', namespace: '', name: 'adservice' };

describe('ObjectError', () => {
  it('starts with the object once, also when its cause already named it', () => {
    expect(new ObjectError(ref, 'ServiceAccount is namespaced but the object has no namespace').message).toBe('ServiceAccount/adservice: ServiceAccount is namespaced but the object has no namespace');
    expect(new ObjectError(ref, 'ServiceAccount/adservice: ServiceAccount is namespaced but the object has no namespace').message).toBe(
      'ServiceAccount/adservice: ServiceAccount is namespaced but the object has no namespace',
    );
  });
});
