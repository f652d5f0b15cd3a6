/**
 * `.sops.yaml` creation rules: which age recipients and which selection rule a new
 * file gets, by `path_regex` (first match wins; a rule without one matches every file).
 * Only the age part of a rule is read; a rule naming only KMS/PGP/Vault keys is refused.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { parse } from 'yaml';
import { SopsFormatError } from './errors.ts';
import { goRegExp, type SelectionRules } from './metadata.ts';

export const CONFIG_FILE = '.sops.yaml';

export interface CreationRule extends SelectionRules {
  /** Go regular expression matched against the file's path relative to the config file's folder. */
  readonly pathRegex?: string;
  readonly age: readonly string[];
}

export interface CreationRulesFile {
  /** Absolute path of the `.sops.yaml`. */
  readonly path: string;
  readonly rules: readonly CreationRule[];
}

/** Reads the creation rules of a `.sops.yaml` text. */
export function parseCreationRules(text: string, path: string): CreationRulesFile {
  let raw: unknown;
  try {
    raw = parse(text);
  } catch (error) {
    throw new SopsFormatError(path, 'is not valid YAML', { cause: error });
  }
  const list = (raw as { creation_rules?: unknown } | null)?.creation_rules ?? [];
  if (!Array.isArray(list)) throw new SopsFormatError(path, '`creation_rules` is not a list');
  const rules = list.map((item, i): CreationRule => {
    const r = (item ?? {}) as Record<string, unknown>;
    const age = ageList(r.age ?? ageOfKeyGroups(r.key_groups), `${path} creation_rules[${i}]`);
    const str = (field: string): string | undefined => (typeof r[field] === 'string' && r[field] !== '' ? (r[field] as string) : undefined);
    const rule: Record<string, unknown> = {
      pathRegex: str('path_regex'),
      age,
      unencryptedSuffix: str('unencrypted_suffix'),
      encryptedSuffix: str('encrypted_suffix'),
      unencryptedRegex: str('unencrypted_regex'),
      encryptedRegex: str('encrypted_regex'),
      unencryptedCommentRegex: str('unencrypted_comment_regex'),
      encryptedCommentRegex: str('encrypted_comment_regex'),
      macOnlyEncrypted: r.mac_only_encrypted === true ? true : undefined,
    };
    for (const key of Object.keys(rule)) if (rule[key] === undefined) delete rule[key];
    if (typeof rule.pathRegex === 'string') goRegExp(rule.pathRegex, `${path} creation_rules[${i}].path_regex`);
    return rule as unknown as CreationRule;
  });
  return { path: resolve(path), rules };
}

function ageOfKeyGroups(groups: unknown): unknown {
  if (!Array.isArray(groups)) return undefined;
  return groups.flatMap((g: { age?: unknown }) => (Array.isArray(g?.age) ? g.age : typeof g?.age === 'string' ? g.age.split(',') : []));
}

function ageList(value: unknown, where: string): string[] {
  if (value === undefined || value === null) return [];
  if (typeof value === 'string') return value.split(',').map((s) => s.trim()).filter((s) => s !== '');
  if (Array.isArray(value) && value.every((v) => typeof v === 'string')) return value.map((v) => v.trim()).filter((v) => v !== '');
  throw new SopsFormatError(where, '`age` must be a comma-separated string or a list of recipients');
}

/** Finds `.sops.yaml` in `start` or the closest parent folder, as sops does. */
export function findCreationRulesFile(start: string = process.cwd()): string | undefined {
  let dir = resolve(start);
  for (;;) {
    const candidate = join(dir, CONFIG_FILE);
    if (existsSync(candidate)) return candidate;
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

export function loadCreationRules(path: string): CreationRulesFile {
  return parseCreationRules(readFileSync(path, 'utf8'), path);
}

/** The first rule matching `file` (a path, absolute or relative to the current folder), or undefined. */
export function ruleFor(config: CreationRulesFile, file: string): CreationRule | undefined {
  const absolute = isAbsolute(file) ? file : resolve(file);
  const configDir = dirname(config.path);
  const rel = absolute.startsWith(configDir + sep) ? relative(configDir, absolute).split(sep).join('/') : absolute;
  return config.rules.find((rule) => rule.pathRegex === undefined || goRegExp(rule.pathRegex).test(rel));
}
