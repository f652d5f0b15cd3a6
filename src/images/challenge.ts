/**
 * `WWW-Authenticate` challenges (RFC 7235) as registries send them:
 * `Bearer realm="https://auth.example/token",service="registry",scope="repository:a/b:pull"`
 * or `Basic realm="registry"`. Several challenges may share one header.
 */

export interface AuthChallenge {
  /** Lower-cased scheme: `bearer`, `basic`, … */
  readonly scheme: string;
  /** Parameters with lower-cased names. */
  readonly params: Readonly<Record<string, string>>;
}

/** Parses every challenge in a header value; unknown syntax is skipped, never thrown. */
export function parseChallenges(header: string): AuthChallenge[] {
  const challenges: { scheme: string; params: Record<string, string> }[] = [];
  let pos = 0;
  const skip = (pattern: RegExp) => {
    while (pos < header.length && pattern.test(header[pos] ?? '')) pos++;
  };
  while (pos < header.length) {
    skip(/[\s,]/);
    const token = /^[!#$%&'*+.^_`|~\w-]+/.exec(header.slice(pos));
    if (token === null) break;
    pos += token[0].length;
    skip(/[ \t]/);
    if (header[pos] === '=') {
      // A parameter of the current challenge.
      pos++;
      skip(/[ \t]/);
      let value = '';
      if (header[pos] === '"') {
        pos++;
        while (pos < header.length && header[pos] !== '"') {
          if (header[pos] === '\\') pos++;
          value += header[pos] ?? '';
          pos++;
        }
        pos++;
      } else {
        const bare = /^[^\s,]*/.exec(header.slice(pos))?.[0] ?? '';
        value = bare;
        pos += bare.length;
      }
      const current = challenges.at(-1);
      if (current !== undefined) current.params[token[0].toLowerCase()] = value;
    } else {
      challenges.push({ scheme: token[0].toLowerCase(), params: {} });
    }
  }
  return challenges;
}
