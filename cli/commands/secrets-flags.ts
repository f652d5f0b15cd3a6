// Shared flags and file handling of the `strata secrets` subcommands.
import { chmodSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { parse } from 'yaml';
import type { Argv } from 'yargs';
import { findCreationRulesFile, loadCreationRules, ruleFor } from '../../src/secrets/creation-rules.ts';
import { formatOf, KUBERNETES_ENCRYPTED_REGEX, type SelectionRules, type SopsFormat } from '../../src/secrets/index.ts';
import { ExitError } from '../errors.ts';

export interface SelectionFlags {
  'encrypted-regex'?: string;
  'unencrypted-regex'?: string;
  'encrypted-suffix'?: string;
  'unencrypted-suffix'?: string;
  'mac-only-encrypted'?: boolean;
}

export interface RecipientFlags extends SelectionFlags {
  age?: string | string[];
  config?: string;
}

export function withRecipientFlags<T>(yargs: Argv<T>): Argv<T & RecipientFlags> {
  return yargs
    .option('age', { type: 'string', describe: 'age recipient (age1…); repeat or comma-separate. Default: the matching .sops.yaml creation rule, then $SOPS_AGE_RECIPIENTS' })
    .option('config', { type: 'string', describe: 'creation rules file. Default: .sops.yaml in the current folder or the closest parent' })
    .option('encrypted-regex', { type: 'string', describe: 'encrypt only values under keys matching this regex (default for Kubernetes Secrets: ^(data|stringData)$)' })
    .option('unencrypted-regex', { type: 'string', describe: 'leave values under keys matching this regex in plaintext' })
    .option('encrypted-suffix', { type: 'string', describe: 'encrypt only values under keys ending with this suffix' })
    .option('unencrypted-suffix', { type: 'string', describe: 'leave values under keys ending with this suffix in plaintext (sops default: _unencrypted)' })
    .option('mac-only-encrypted', { type: 'boolean', describe: 'hash only encrypted values into the MAC' }) as Argv<T & RecipientFlags>;
}

function selectionOf(flags: SelectionFlags): SelectionRules {
  const rules: Record<string, string | boolean> = {};
  if (flags['encrypted-regex']) rules.encryptedRegex = flags['encrypted-regex'];
  if (flags['unencrypted-regex']) rules.unencryptedRegex = flags['unencrypted-regex'];
  if (flags['encrypted-suffix']) rules.encryptedSuffix = flags['encrypted-suffix'];
  if (flags['unencrypted-suffix']) rules.unencryptedSuffix = flags['unencrypted-suffix'];
  if (flags['mac-only-encrypted']) rules.macOnlyEncrypted = true;
  return rules;
}

const hasRule = (r: SelectionRules): boolean =>
  Boolean(r.encryptedRegex || r.unencryptedRegex || r.encryptedSuffix || r.unencryptedSuffix || r.encryptedCommentRegex || r.unencryptedCommentRegex);

/** Recipients and selection rule for a new file: flags, then the .sops.yaml rule, then $SOPS_AGE_RECIPIENTS; Kubernetes Secrets default to data/stringData. */
export function encryptionFor(file: string, text: string, flags: RecipientFlags): { recipients: string[]; rules: SelectionRules; from: string } {
  const fromFlags = [flags.age ?? []].flat().flatMap((a) => a.split(',')).map((a) => a.trim()).filter((a) => a !== '');
  const configPath = flags.config ?? findCreationRulesFile();
  const rule = configPath ? ruleFor(loadCreationRules(configPath), file) : undefined;
  const env = (process.env.SOPS_AGE_RECIPIENTS ?? '').split(/[\s,]+/).filter((a) => a !== '');
  const recipients = fromFlags.length > 0 ? fromFlags : rule && rule.age.length > 0 ? [...rule.age] : env;
  const from = fromFlags.length > 0 ? '--age' : rule && rule.age.length > 0 ? `${configPath}` : 'SOPS_AGE_RECIPIENTS';
  if (recipients.length === 0) {
    throw new ExitError(
      `${file}: no age recipients: pass --age, add a creation rule matching the file to ${configPath ?? '.sops.yaml'}, or set SOPS_AGE_RECIPIENTS`,
      2,
    );
  }
  let rules = selectionOf(flags);
  if (!hasRule(rules) && rule) rules = { ...rule, ...rules };
  if (!hasRule(rules) && isKubernetesSecret(text, formatOf(file))) rules = { ...rules, encryptedRegex: KUBERNETES_ENCRYPTED_REGEX };
  const { pathRegex: _p, age: _a, ...selection } = rules as SelectionRules & { pathRegex?: string; age?: unknown };
  return { recipients, rules: selection, from };
}

function isKubernetesSecret(text: string, format: SopsFormat): boolean {
  try {
    const value = (format === 'json' ? JSON.parse(text) : parse(text)) as { kind?: unknown; apiVersion?: unknown } | null;
    return value?.kind === 'Secret' && value.apiVersion === 'v1';
  } catch {
    return false;
  }
}

export function readText(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    throw new ExitError(`${file}: cannot read: ${(error as Error).message}`, 2);
  }
}

/** Replaces a file atomically (write beside it, then rename), keeping its mode. */
export function writeFileAtomic(file: string, text: string, mode?: number): void {
  let keep = mode;
  try {
    keep ??= statSync(file).mode & 0o777;
  } catch {
    // a new file
  }
  const tmp = join(dirname(file), `.${basename(file)}.strata-${process.pid}.tmp`);
  writeFileSync(tmp, text, { mode: keep ?? 0o644 });
  if (keep !== undefined) chmodSync(tmp, keep);
  renameSync(tmp, file);
}
