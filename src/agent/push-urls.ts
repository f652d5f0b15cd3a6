// The repository URLs a push event names: what /hook matches against the Syncs' `url`.

/** Repository URLs named by a push event of GitHub, GitLab, Gitea/Forgejo or Bitbucket (Server and Cloud), or `{ "url": ... }`. */
export function pushUrls(body: string): string[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return [];
  }
  const urls = new Set<string>();
  const record = parsed as { url?: unknown; repository?: Record<string, unknown>; project?: Record<string, unknown> };
  const add = (value: unknown): void => {
    if (typeof value === 'string' && value !== '') urls.add(value);
  };
  add(record.url);
  for (const repo of [record.repository, record.project]) {
    if (!repo) continue;
    for (const field of ['clone_url', 'git_http_url', 'git_ssh_url', 'ssh_url', 'html_url', 'http_url', 'url']) add(repo[field]);
    // Bitbucket: `links.clone` (Server: [{ href, name }]) and `links.html.href` (Cloud).
    const links = repo.links as { clone?: unknown; html?: { href?: unknown } } | undefined;
    if (Array.isArray(links?.clone)) for (const link of links.clone as { href?: unknown }[]) add(link?.href);
    add(links?.html?.href);
  }
  return [...urls];
}
