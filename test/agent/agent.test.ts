import { describe, expect, it } from 'vitest';
import { pushUrls } from '../../src/agent/agent.ts';

describe('webhook and URL matching', () => {
  it('finds repository URLs in push events of the common Git hosts', () => {
    expect(pushUrls(JSON.stringify({ repository: { clone_url: 'https://github.com/o/r.git', ssh_url: 'git@github.com:o/r.git' } }))).toEqual(['https://github.com/o/r.git', 'git@github.com:o/r.git']);
    expect(pushUrls(JSON.stringify({ project: { git_http_url: 'https://gitlab.com/o/r.git' } }))).toEqual(['https://gitlab.com/o/r.git']);
    expect(pushUrls(JSON.stringify({ url: 'https://x/r' }))).toEqual(['https://x/r']);
    expect(pushUrls('not json')).toEqual([]);
  });

  it('finds the clone links of Bitbucket Server and Cloud', () => {
    expect(pushUrls(JSON.stringify({ repository: { links: { clone: [{ href: 'ssh://git@bb.example:7999/p/r.git', name: 'ssh' }, { href: 'https://bb.example/scm/p/r.git', name: 'http' }] } } }))).toEqual([
      'ssh://git@bb.example:7999/p/r.git',
      'https://bb.example/scm/p/r.git',
    ]);
    expect(pushUrls(JSON.stringify({ repository: { links: { html: { href: 'https://bitbucket.org/o/r' } } } }))).toEqual(['https://bitbucket.org/o/r']);
  });
});
