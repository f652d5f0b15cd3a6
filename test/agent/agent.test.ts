import { describe, expect, it } from 'vitest';
import { pushUrls } from '../../src/agent/agent.ts';

describe('webhook and URL matching', () => {
  it('finds repository URLs in push events of the common Git hosts', () => {
    expect(pushUrls(JSON.stringify({ repository: { clone_url: 'https://github.com/o/r.git', ssh_url: 'git@github.com:o/r.git' } }))).toEqual(['https://github.com/o/r.git', 'git@github.com:o/r.git']);
    expect(pushUrls(JSON.stringify({ project: { git_http_url: 'https://gitlab.com/o/r.git' } }))).toEqual(['https://gitlab.com/o/r.git']);
    expect(pushUrls(JSON.stringify({ url: 'https://x/r' }))).toEqual(['https://x/r']);
    expect(pushUrls('not json')).toEqual([]);
  });
});
