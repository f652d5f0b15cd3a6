/**
 * Image policies with Flux `ImagePolicy` semantics, so users can bring theirs:
 * the exclusion list drops tags first, `filterTags` keeps the tags its pattern
 * matches and extracts the value to compare, then one rule picks the latest:
 *
 * - `semver` — the highest version in `range`. A tag parses only as strict
 *   semver with at most a leading `v` (`v1.10.0` yes, `1.2` or `release-1.2.3`
 *   no). Pre-releases are considered only when the range itself names one
 *   (`>=1.3.0-0`), and then across every version, as Flux does. The tag string
 *   is kept as it was (`v1.10.0` stays `v1.10.0`).
 * - `alphabetical` — byte order; `asc` (default) picks the last tag, `desc` the first.
 * - `numerical` — decimal numbers; `asc` (default) picks the largest. A tag that
 *   is not a number fails the whole policy (filter such tags out with `filterTags`).
 */
import semver from 'semver';
import { PolicyError } from './errors.ts';

export type SortOrder = 'asc' | 'desc';

/** Exactly one rule picks the tag. */
export type PolicyRule =
  | { readonly semver: { readonly range: string } }
  | { readonly alphabetical: { readonly order?: SortOrder } }
  | { readonly numerical: { readonly order?: SortOrder } };

export interface FilterTags {
  /** A regular expression; Go's `(?P<name>…)` groups are accepted too. */
  readonly pattern: string;
  /**
   * The value the rule compares, expanded from the match: `$1`, `$name` or `${name}`.
   * @default '' (the whole tag)
   */
  readonly extract?: string;
}

/** How one image's tag is chosen. */
export interface ImagePolicySpec {
  readonly policy: PolicyRule;
  readonly filterTags?: FilterTags;
  /**
   * Regular expressions; a tag matching any of them is never picked. Setting it replaces the default.
   * @default ['^.*\\.sig$'] (cosign signatures)
   */
  readonly exclusionList?: readonly string[];
  /**
   * Pin the picked tag's manifest digest too, writing `tag@sha256:…`.
   * @default false
   */
  readonly pinDigest?: boolean;
}

export const DEFAULT_EXCLUSION_LIST: readonly string[] = ['^.*\\.sig$'];

/** The outcome of applying a policy to a tag list. */
export interface TagSelection {
  /** The tag picked, as it was listed; undefined when no tag satisfies the policy. */
  readonly tag: string | undefined;
  /** How many tags were left after the exclusion list and the filter. */
  readonly candidates: number;
}

/** A Go-style pattern as a JavaScript RegExp (`(?P<name>` → `(?<name>`). */
export function compilePattern(pattern: string): RegExp {
  return new RegExp(pattern.replace(/\(\?P</g, '(?<'));
}

/** Expands `$1`, `$name`, `${name}` and `$$` in `template` from `match`, like Go's `Regexp.Expand`. */
export function expandTemplate(template: string, match: RegExpExecArray): string {
  return template.replace(/\$(?:\$|\{(\w+)\}|(\w+))/g, (_match, braced: string | undefined, bare: string | undefined) => {
    const name = braced ?? bare;
    if (name === undefined) return '$';
    const value = /^\d+$/.test(name) ? match[Number(name)] : match.groups?.[name];
    return value ?? '';
  });
}

/**
 * Applies `spec` to `tags` and returns the pick. Throws a `PolicyError` naming
 * `policyName` when a pattern is invalid, a range does not parse, or a numerical
 * policy meets a tag that is not a number.
 */
export function selectTag(tags: readonly string[], spec: ImagePolicySpec, policyName: string): TagSelection {
  const exclusions = (spec.exclusionList ?? DEFAULT_EXCLUSION_LIST).map((pattern) => compile(pattern, policyName, 'exclusionList'));
  const filter = spec.filterTags === undefined ? undefined : compile(spec.filterTags.pattern, policyName, 'filterTags.pattern');
  const candidates: { tag: string; value: string }[] = [];
  for (const tag of tags) {
    if (exclusions.some((exclusion) => exclusion.test(tag))) continue;
    if (filter === undefined) {
      candidates.push({ tag, value: tag });
      continue;
    }
    const match = filter.exec(tag);
    if (match === null) continue;
    const extract = spec.filterTags?.extract ?? '';
    candidates.push({ tag, value: extract === '' ? tag : expandTemplate(extract, match) });
  }
  const rule = spec.policy;
  let best: { tag: string; value: string } | undefined;
  if ('semver' in rule) best = pickSemver(candidates, rule.semver.range, policyName);
  else if ('alphabetical' in rule) best = pickByOrder(candidates, rule.alphabetical.order ?? 'asc', compareBytes);
  else if ('numerical' in rule) best = pickByOrder(candidates, rule.numerical.order ?? 'asc', numericalComparator(candidates, policyName));
  else throw new PolicyError(policyName, 'policy must set one of semver, alphabetical or numerical');
  return { tag: best?.tag, candidates: candidates.length };
}

function compile(pattern: string, policyName: string, field: string): RegExp {
  try {
    return compilePattern(pattern);
  } catch (error) {
    throw new PolicyError(policyName, `${field}: invalid regular expression ${JSON.stringify(pattern)}`, { cause: error });
  }
}

/** Strict semver with at most a leading `v`; undefined otherwise. */
export function parseSemverTag(tag: string): semver.SemVer | undefined {
  const text = tag.startsWith('v') ? tag.slice(1) : tag;
  return semver.valid(text) === null ? undefined : new semver.SemVer(text);
}

function pickSemver(candidates: readonly { tag: string; value: string }[], range: string, policyName: string) {
  const parsed = semver.validRange(range) === null ? undefined : new semver.Range(range);
  if (parsed === undefined) throw new PolicyError(policyName, `semver.range: invalid range ${JSON.stringify(range)}`);
  // Whether the range as written names a pre-release (node-semver itself adds `-0` to `1.3.x`).
  const includePrerelease = /(?:^|[^\w.-])v?\d+\.\d+\.\d+-[0-9A-Za-z]/.test(range);
  let best: { tag: string; value: string; version: semver.SemVer } | undefined;
  for (const candidate of candidates) {
    const version = parseSemverTag(candidate.value);
    if (version === undefined || !semver.satisfies(version, parsed, { includePrerelease })) continue;
    const order = best === undefined ? 1 : semver.compare(version, best.version) || compareBytes(candidate.tag, best.tag);
    if (order > 0) best = { ...candidate, version };
  }
  return best;
}

function pickByOrder<T extends { value: string; tag: string }>(candidates: readonly T[], order: SortOrder, compare: (a: string, b: string) => number): T | undefined {
  let best: T | undefined;
  for (const candidate of candidates) {
    if (best === undefined) {
      best = candidate;
      continue;
    }
    const diff = compare(candidate.value, best.value) || compareBytes(candidate.tag, best.tag);
    if (order === 'asc' ? diff > 0 : diff < 0) best = candidate;
  }
  return best;
}

/** Byte order of the UTF-8 encodings (not locale order). */
export function compareBytes(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

const DECIMAL = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;

function numericalComparator(candidates: readonly { tag: string; value: string }[], policyName: string): (a: string, b: string) => number {
  const invalid = candidates.filter((candidate) => !DECIMAL.test(candidate.value));
  if (invalid.length > 0) {
    const list = invalid.slice(0, 5).map((candidate) => JSON.stringify(candidate.value));
    throw new PolicyError(
      policyName,
      `numerical: ${invalid.length} tag(s) are not numbers: ${list.join(', ')}${invalid.length > 5 ? ', …' : ''} (use filterTags to keep only numeric tags)`,
    );
  }
  return (a, b) => Number(a) - Number(b);
}
