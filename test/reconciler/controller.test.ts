import { describe, expect, it } from 'vitest';
import { normalizeUrl } from '../../src/reconciler/controller.ts';

describe('webhook and URL matching', () => {
  it('compares URLs without scheme, credentials, .git or case', () => {
    expect(normalizeUrl('https://user:tok@GitHub.com/o/r.git')).toBe(normalizeUrl('git@github.com:o/r'));
    expect(normalizeUrl('http://127.0.0.1:8080/r.git')).toBe('127.0.0.1:8080/r');
  });
});
