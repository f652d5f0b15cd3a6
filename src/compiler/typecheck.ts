import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, sep } from 'node:path';
import { TypeScriptError, type TypeScriptDiagnostic } from './errors.ts';
import { environmentFiles, fingerprintFiles } from './fingerprint.ts';
import type { ProjectLayout } from './project.ts';
import { jsCheck } from './_tsc-js.ts';
import { nativeCheck, nativeCompiler } from './_tsc-native.ts';

/** Which TypeScript compiler checks: a closed set. */
export type TypeChecker = 'native' | 'js';

/** Options of {@link typeCheck}. */
export interface TypeCheckOptions {
  /**
   * Reuse the last successful result when none of the checked files (the entries and
   * everything they import outside node_modules), the lock file or tsconfig changed.
   * @default true
   */
  readonly cache?: boolean;
  /**
   * `native`: the native TypeScript compiler (TypeScript 7, the `typescript-native`
   * dependency), falling back to `js` where it is not installed for the platform or
   * cannot read the project's tsconfig (it rejects options TypeScript 7 removed).
   * `js`: the `typescript` 5.9 dependency's API, in process.
   * @default 'native'
   */
  readonly checker?: TypeChecker;
}

/** What a type-check saw: the project files of the program, for the compile cache. */
export interface TypeCheckResult {
  /** Absolute paths of the program's source files outside node_modules. */
  readonly files: readonly string[];
  /** Fingerprint of those files' contents and of the environment files. */
  readonly fingerprint: string;
  /** True when the result came from the cache. */
  readonly cached: boolean;
  /** The compiler that checked, e.g. `native 7.0.2` or `js 5.9.3` (the one recorded when cached). */
  readonly checker: string;
}

interface CacheRecord {
  readonly entries: readonly string[];
  readonly files: readonly string[];
  readonly fingerprint: string;
  readonly typescript: string;
}

/** The compiler options without a tsconfig.json: strict ES modules as Node runs them. */
const DEFAULT_COMPILER_OPTIONS: Record<string, unknown> = {
  target: 'ES2022',
  module: 'NodeNext',
  moduleResolution: 'NodeNext',
  strict: true,
  allowImportingTsExtensions: true,
  skipLibCheck: true,
  esModuleInterop: true,
  resolveJsonModule: true,
  types: ['node'],
};

/**
 * Type-checks the cluster entries and everything they import with the project's
 * tsconfig.json (found upwards from the root; strict NodeNext defaults without one).
 * Throws a TypeScriptError listing every diagnostic as `file:line:column`.
 * Incremental: the compiler's build info lives in the cache folder, and an unchanged
 * set of files skips the check altogether (no compiler is started).
 */
export async function typeCheck(layout: ProjectLayout, entries: readonly string[], options: TypeCheckOptions = {}): Promise<TypeCheckResult> {
  const cached = (options.cache ?? true) ? cachedTypeCheck(layout, entries) : undefined;
  if (cached !== undefined) return cached;
  const cacheFile = join(layout.cacheDir, 'typecheck.json');
  const sortedEntries = [...entries].sort();
  mkdirSync(layout.cacheDir, { recursive: true });
  const checked = await check(layout, sortedEntries, options.checker ?? 'native');
  if (checked.diagnostics.length > 0) throw new TypeScriptError(sortDiagnostics(checked.diagnostics));
  const files = checked.files.filter((file) => !file.includes(`${sep}node_modules${sep}`)).sort();
  const fingerprint = fingerprintFiles([...files, ...environmentFiles(layout.root)], [checked.checker]);
  writeFileSync(cacheFile, `${JSON.stringify({ entries: sortedEntries, files, fingerprint, typescript: checked.checker } satisfies CacheRecord)}\n`);
  return { files, fingerprint, cached: false, checker: checked.checker };
}

/** The last successful check of these entries when none of its files changed since; else undefined. */
export function cachedTypeCheck(layout: ProjectLayout, entries: readonly string[]): TypeCheckResult | undefined {
  const cacheFile = join(layout.cacheDir, 'typecheck.json');
  if (!existsSync(cacheFile)) return undefined;
  try {
    const record = JSON.parse(readFileSync(cacheFile, 'utf8')) as CacheRecord;
    if (JSON.stringify(record.entries) === JSON.stringify([...entries].sort()) && fingerprintFiles([...record.files, ...environmentFiles(layout.root)], [record.typescript]) === record.fingerprint) {
      return { files: record.files, fingerprint: record.fingerprint, cached: true, checker: record.typescript };
    }
  } catch {
    // A damaged cache is ignored and rewritten by the next check.
  }
  return undefined;
}

async function check(layout: ProjectLayout, entries: readonly string[], checker: TypeChecker): Promise<{ checker: string; diagnostics: readonly TypeScriptDiagnostic[]; files: readonly string[] }> {
  const native = checker === 'native' ? nativeCompiler() : undefined;
  if (native !== undefined) {
    const result = await nativeCheck(native, layout.root, layout.cacheDir, entries, DEFAULT_COMPILER_OPTIONS);
    // Only option errors (TS5xxx, TS6xxx, no file): TypeScript 7 may have removed an
    // option the project's tsconfig still sets; TypeScript 5.9 judges those instead.
    if (!(result.diagnostics.length > 0 && result.diagnostics.every(isOptionDiagnostic))) return { checker: `native ${native.version}`, ...result };
  }
  const result = await jsCheck(layout.root, layout.cacheDir, entries, DEFAULT_COMPILER_OPTIONS);
  return { checker: `js ${result.version}`, diagnostics: result.diagnostics, files: result.files };
}

/**
 * Diagnostics in one order whichever compiler found them, the order `tsc` prints: by file
 * (global ones first), position, code and message; duplicates dropped.
 */
function sortDiagnostics(diagnostics: readonly TypeScriptDiagnostic[]): TypeScriptDiagnostic[] {
  const key = (d: TypeScriptDiagnostic) => [d.file, d.line, d.column, d.code, d.message] as const;
  const compare = (a: TypeScriptDiagnostic, b: TypeScriptDiagnostic): number => {
    const [ka, kb] = [key(a), key(b)];
    for (let i = 0; i < ka.length; i += 1) if (ka[i] !== kb[i]) return ka[i]! < kb[i]! ? -1 : 1;
    return 0;
  };
  return [...diagnostics].sort(compare).filter((d, index, sorted) => index === 0 || compare(sorted[index - 1]!, d) !== 0);
}

function isOptionDiagnostic(diagnostic: TypeScriptDiagnostic): boolean {
  return diagnostic.file === '' || diagnostic.file.endsWith('.json') ? diagnostic.code >= 5000 && diagnostic.code < 7000 : false;
}
