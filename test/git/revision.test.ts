import { describe, expect, it } from 'vitest';
import { commitOf, formatRevision, parseRevision, redactText, redactUrl, shortCommit } from '../../src/git/index.ts';

const sha = 'a'.repeat(40);

describe('the one revision format (the agent’s, as Flux writes it)', () => {
  it('names the branch or tag before @sha1:, and a bare commit without one', () => {
    expect(formatRevision('main', sha)).toBe(`main@sha1:${sha}`);
    expect(formatRevision('v1.2.0', sha)).toBe(`v1.2.0@sha1:${sha}`);
    expect(formatRevision('', sha)).toBe(`sha1:${sha}`);
  });
  it('reads back what it writes, and takes anything else as a revision git resolves', () => {
    expect(parseRevision(formatRevision('main', sha))).toEqual({ ref: 'main', commit: sha });
    expect(parseRevision(formatRevision('', sha))).toEqual({ commit: sha });
    expect(parseRevision('HEAD~2')).toEqual({ commit: 'HEAD~2' });
    expect(commitOf(formatRevision('main', sha))).toBe(sha);
    expect(commitOf('main@sha1:abc')).toBeUndefined();
    expect(shortCommit(sha)).toBe('a'.repeat(12));
  });
});

describe('redaction', () => {
  it('hides the userinfo of URLs and Authorization headers', () => {
    expect(redactUrl('https://user:s3cret@git.example.com/repo.git')).toBe('https://***@git.example.com/repo.git');
    expect(redactText('fatal: unable to access https://u:tok@h/r.git/\nAuthorization: Basic dTp0b2s=')).toBe('fatal: unable to access https://***@h/r.git/\nAuthorization: ***');
  });
});
