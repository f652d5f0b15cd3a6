// Reading the README and docs/ the way test/cli/docs.test.ts checks them against the commands:
// the `strata …` command lines of a Markdown file, its sections, its relative links and the
// GitHub anchors of its headings.

/** The flags of a command: long names (`output`) and short ones (`o`). */
export interface Flags {
  readonly long: ReadonlySet<string>;
  readonly short: ReadonlySet<string>;
}

/** Whether a flag as written in the docs (`--no-wait`, `-o`, `--image-updates=false`) is one of `flags`. */
export function hasFlag(flags: Flags, written: string): boolean {
  const flag = written.split('=')[0] as string;
  if (flag.startsWith('--')) {
    const name = flag.slice(2);
    return flags.long.has(name) || (name.startsWith('no-') && flags.long.has(name.slice(3)));
  }
  return flag.length === 2 && flags.short.has(flag.slice(1));
}

/** The text of a Markdown file without its fenced code blocks, and the lines of those blocks. */
export function splitFences(markdown: string): { prose: string; code: string[] } {
  const prose: string[] = [];
  const code: string[] = [];
  let inFence = false;
  for (const line of markdown.split('\n')) {
    if (/^\s*```/.test(line)) {
      inFence = !inFence;
      prose.push('');
      continue;
    }
    if (inFence) code.push(line);
    else prose.push(line);
  }
  return { prose: prose.join('\n'), code: joinContinuations(code) };
}

function joinContinuations(lines: readonly string[]): string[] {
  const joined: string[] = [];
  let pending = '';
  for (const line of lines) {
    if (line.endsWith('\\')) pending += `${line.slice(0, -1)} `;
    else {
      joined.push(pending + line);
      pending = '';
    }
  }
  if (pending) joined.push(pending);
  return joined;
}

const LAUNCHERS = ['npx --no-install strata ', 'npm run strata -- ', 'npx deno run -A cli/bin/strata.js ', 'node cli/bin/strata.js ', 'strata '];

/**
 * The arguments of a `strata …` invocation written in the docs (an inline code span or a line of
 * a code block), or undefined when the text is no such invocation. A shell comment, pipe, `&&`
 * or background `&` ends it.
 */
export function invocation(text: string): string[] | undefined {
  const flat = text.replace(/\\\|/g, '|').replace(/\s+/g, ' ').trim();
  const launcher = LAUNCHERS.find((prefix) => flat.startsWith(prefix));
  if (!launcher) return undefined;
  // ` | ` is a pipe unless it separates alternatives of a flag (`[-n <ns> | -A]`).
  const rest = flat.slice(launcher.length).split(/ (?:#|&&|&|;)(?: |$)| \|(?! -)/)[0] as string;
  return rest.split(' ').filter((word) => word !== '');
}

/** Every `strata …` invocation in a Markdown file: inline code spans of the prose and code block lines. */
export function invocations(markdown: string): { text: string; words: string[] }[] {
  const { prose, code } = splitFences(markdown);
  const found: { text: string; words: string[] }[] = [];
  for (const span of prose.replace(/\n/g, ' ').matchAll(/`([^`]+)`/g)) {
    const words = invocation(span[1] as string);
    if (words) found.push({ text: span[1] as string, words });
  }
  for (const line of code) {
    const words = invocation(line.replace(/^\$ /, ''));
    if (words) found.push({ text: line.trim(), words });
  }
  return found;
}

/** The flags among the words of an invocation: `[-n`, `-A]`, `--wait`, `--image-updates=false` (not `-`, not `--`). */
export function flagWords(words: readonly string[]): string[] {
  return words
    .map((word) => word.replace(/^[[(]+/, '').replace(/[\])},.:;]+$/, ''))
    .filter((word) => /^--?[a-zA-Z]/.test(word))
    .map((word) => word.split('|')[0] as string);
}

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens. */
export function anchorOf(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');
}

/** The anchors of every heading of a Markdown file (outside code blocks). */
export function anchorsOf(markdown: string): Set<string> {
  const anchors = new Set<string>();
  for (const match of splitFences(markdown).prose.matchAll(/^#{1,6} (.+)$/gm)) anchors.add(anchorOf(match[1] as string));
  return anchors;
}

/** Relative links of a Markdown file (`[text](path#anchor)`, `(#anchor)`), outside code blocks. */
export function relativeLinks(markdown: string): { target: string; anchor?: string }[] {
  const links: { target: string; anchor?: string }[] = [];
  for (const match of splitFences(markdown).prose.matchAll(/\]\(([^)\s]+)\)/g)) {
    const href = match[1] as string;
    if (/^[a-z][a-z0-9+.-]*:/i.test(href)) continue;
    const [target, anchor] = href.split('#') as [string, string | undefined];
    links.push(anchor === undefined ? { target } : { target, anchor });
  }
  return links;
}

/** A Markdown file cut at its headings: each heading's text (without `#`), level and body; the text before the first heading as level 0. */
export function sections(markdown: string): { heading: string; level: number; body: string }[] {
  const found: { heading: string; level: number; body: string }[] = [{ heading: '', level: 0, body: '' }];
  let inFence = false;
  for (const line of markdown.split('\n')) {
    if (/^\s*```/.test(line)) inFence = !inFence;
    const heading = inFence ? null : /^(#{1,6}) (.+)$/.exec(line);
    if (heading) found.push({ heading: heading[2] as string, level: (heading[1] as string).length, body: '' });
    else (found[found.length - 1] as { body: string }).body += `${line}\n`;
  }
  return found;
}
