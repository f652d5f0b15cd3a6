import { describe, expect, it } from 'vitest';
import { ImageFileError, parseImageLock, rewriteImageLock } from '../../src/images/index.ts';

describe('image lock', () => {
  const text = `{
  "images": {
    "b-app":   "ghcr.io/acme/b:1.0.0",
    "a-app": "ghcr.io/acme/a:1.0.0",
    "manual": "ghcr.io/acme/manual:pinned"
  },
  "note": { "images": "not this one" }
}
`;

  it('reads the entries in file order', () => {
    expect([...parseImageLock('images.json', text).images.keys()]).toEqual(['b-app', 'a-app', 'manual']);
  });

  it('rewrites only the changed entries, keeping every other byte', () => {
    const lock = parseImageLock('images.json', text);
    const out = rewriteImageLock(lock, new Map([['a-app', 'ghcr.io/acme/a:1.1.0'], ['b-app', 'ghcr.io/acme/b:2.0.0@sha256:' + 'a'.repeat(64)]]));
    expect(out).toBe(text.replace('a:1.0.0', 'a:1.1.0').replace('b:1.0.0', `b:2.0.0@sha256:${'a'.repeat(64)}`));
    expect(out.split('\n').filter((line, i) => line !== text.split('\n')[i])).toHaveLength(2);
  });

  it('handles escapes and compact JSON', () => {
    const compact = '{"x":[1,{"y":"}"}],"images":{"q\\"x":"a:1","r":"b:2"}}';
    const lock = parseImageLock('images.json', compact);
    expect(rewriteImageLock(lock, new Map([['r', 'b:3']]))).toBe('{"x":[1,{"y":"}"}],"images":{"q\\"x":"a:1","r":"b:3"}}');
  });

  it('names the file on a bad shape', () => {
    expect(() => parseImageLock('clusters/dev/images.json', '{"images": {"a": 1}}')).toThrow(new ImageFileError('clusters/dev/images.json', 'images.a: must be a string'));
    expect(() => parseImageLock('clusters/dev/images.json', '{')).toThrow(/^clusters\/dev\/images.json: not valid JSON/);
  });
});
