/**
 * Where policies are declared: `clusters/<env>/image-policies.json`, beside the
 * lock, one entry per component the automation owns. A lock entry without a
 * policy is never touched; a missing file means no policies.
 *
 * ```json
 * {
 *   "policies": {
 *     "checkout-api": { "policy": { "semver": { "range": "^1.0.0" } }, "pinDigest": true },
 *     "worker": {
 *       "filterTags": { "pattern": "^main-(?P<build>\\d+)$", "extract": "$build" },
 *       "policy": { "numerical": { "order": "asc" } }
 *     }
 *   }
 * }
 * ```
 *
 * It is a separate file (not fields inside the lock) so the lock keeps the
 * plain `{ images: { name: ref } }` shape the construct library reads, and so
 * the automation never rewrites the file people edit policies in.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import semver from 'semver';
import { ImageFileError } from './errors.ts';
import { compilePattern, type ImagePolicySpec } from './policy.ts';

export const POLICY_FILE_NAME = 'image-policies.json';

export function policyFilePath(root: string, environment: string): string {
  return path.join(root, 'clusters', environment, POLICY_FILE_NAME);
}

/** Reads an environment's policies (component → spec); an absent file gives none. */
export async function readPolicyFile(file: string): Promise<ReadonlyMap<string, ImagePolicySpec>> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return new Map();
    throw new ImageFileError(file, 'cannot read the image policies', { cause: error });
  }
  return parsePolicyFile(file, text);
}

/** Parses and validates every policy, then throws once listing every problem. */
export function parsePolicyFile(file: string, text: string): ReadonlyMap<string, ImagePolicySpec> {
  let root: unknown;
  try {
    root = JSON.parse(text);
  } catch (error) {
    throw new ImageFileError(file, 'not valid JSON', { cause: error });
  }
  const policies = isObject(root) ? root.policies : undefined;
  if (!isObject(policies)) throw new ImageFileError(file, 'must be an object with "policies": { "<component>": { "policy": … } }');
  const problems: string[] = [];
  const result = new Map<string, ImagePolicySpec>();
  for (const [name, spec] of Object.entries(policies)) {
    const before = problems.length;
    validateSpec(spec, `policies.${name}`, problems);
    if (problems.length === before) result.set(name, spec as ImagePolicySpec);
  }
  if (problems.length > 0) throw new ImageFileError(file, problems.join('; '));
  return result;
}

const SPEC_KEYS = new Set(['policy', 'filterTags', 'exclusionList', 'pinDigest']);

function validateSpec(spec: unknown, at: string, problems: string[]): void {
  if (!isObject(spec)) {
    problems.push(`${at}: must be an object`);
    return;
  }
  for (const key of Object.keys(spec)) if (!SPEC_KEYS.has(key)) problems.push(`${at}.${key}: unknown field (expected ${[...SPEC_KEYS].join(', ')})`);
  const rule = spec.policy;
  const rules = isObject(rule) ? Object.keys(rule) : [];
  if (!isObject(rule) || rules.length !== 1) {
    problems.push(`${at}.policy: must set exactly one of semver, alphabetical, numerical`);
  } else if (isObject(rule.semver)) {
    const range = rule.semver.range;
    if (typeof range !== 'string' || semver.validRange(range) === null) problems.push(`${at}.policy.semver.range: not a valid semver range: ${JSON.stringify(range)}`);
  } else if (isObject(rule.alphabetical) || isObject(rule.numerical)) {
    const order = (rule.alphabetical ?? rule.numerical) as Record<string, unknown>;
    if (order.order !== undefined && order.order !== 'asc' && order.order !== 'desc') problems.push(`${at}.policy.${rules[0]}.order: must be "asc" or "desc"`);
  } else {
    problems.push(`${at}.policy: unknown rule "${rules[0]}" (expected semver, alphabetical or numerical)`);
  }
  if (spec.filterTags !== undefined) {
    const filter = spec.filterTags;
    if (!isObject(filter) || typeof filter.pattern !== 'string') problems.push(`${at}.filterTags: must be { "pattern": string, "extract"?: string }`);
    else {
      checkPattern(filter.pattern, `${at}.filterTags.pattern`, problems);
      if (filter.extract !== undefined && typeof filter.extract !== 'string') problems.push(`${at}.filterTags.extract: must be a string`);
    }
  }
  if (spec.exclusionList !== undefined) {
    if (!Array.isArray(spec.exclusionList)) problems.push(`${at}.exclusionList: must be an array of regular expressions`);
    else spec.exclusionList.forEach((pattern: unknown, i) => checkPattern(pattern, `${at}.exclusionList[${i}]`, problems));
  }
  if (spec.pinDigest !== undefined && typeof spec.pinDigest !== 'boolean') problems.push(`${at}.pinDigest: must be true or false`);
}

function checkPattern(pattern: unknown, at: string, problems: string[]): void {
  if (typeof pattern !== 'string') {
    problems.push(`${at}: must be a string`);
    return;
  }
  try {
    compilePattern(pattern);
  } catch {
    problems.push(`${at}: invalid regular expression ${JSON.stringify(pattern)}`);
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
