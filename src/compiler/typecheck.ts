import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import type ts from 'typescript';
import { TypeScriptError, type TypeScriptDiagnostic } from './errors.ts';
import { environmentFiles, fingerprintFiles } from './fingerprint.ts';
import type { ProjectLayout } from './project.ts';

/** Options of {@link typeCheck}. */
export interface TypeCheckOptions {
  /**
   * Reuse the last successful result when none of the checked files (the entries and
   * everything they import outside node_modules), the lock file or tsconfig changed.
   * @default true
   */
  readonly cache?: boolean;
}

/** What a type-check saw: the project files of the program, for the compile cache. */
export interface TypeCheckResult {
  /** Absolute paths of the program's source files outside node_modules. */
  readonly files: readonly string[];
  /** Fingerprint of those files' contents and of the environment files. */
  readonly fingerprint: string;
  /** True when the result came from the cache. */
  readonly cached: boolean;
}

interface CacheRecord {
  readonly entries: readonly string[];
  readonly files: readonly string[];
  readonly fingerprint: string;
  readonly typescript: string;
}

const compilerDefaults = (typescript: typeof ts): ts.CompilerOptions => ({
  target: typescript.ScriptTarget.ES2022,
  module: typescript.ModuleKind.NodeNext,
  moduleResolution: typescript.ModuleResolutionKind.NodeNext,
  strict: true,
  allowImportingTsExtensions: true,
  skipLibCheck: true,
  esModuleInterop: true,
  resolveJsonModule: true,
  types: ['node'],
});

/** TypeScript is loaded only when a check has to run: a cached check stays fast. */
async function loadTypeScript(): Promise<typeof ts> {
  const module = (await import('typescript')) as { default?: typeof ts } & typeof ts;
  return module.default ?? module;
}

/**
 * Type-checks the cluster entries and everything they import with the project's
 * tsconfig.json (found upwards from the root; strict NodeNext defaults without one).
 * Throws a TypeScriptError listing every diagnostic as `file:line:column`.
 * Incremental: TypeScript's build info lives in the cache folder, and an unchanged
 * set of files skips the check altogether.
 */
export async function typeCheck(layout: ProjectLayout, entries: readonly string[], options: TypeCheckOptions = {}): Promise<TypeCheckResult> {
  const useCache = options.cache ?? true;
  const cacheFile = join(layout.cacheDir, 'typecheck.json');
  const sortedEntries = [...entries].sort();
  if (useCache && existsSync(cacheFile)) {
    try {
      const record = JSON.parse(readFileSync(cacheFile, 'utf8')) as CacheRecord;
      if (JSON.stringify(record.entries) === JSON.stringify(sortedEntries) && fingerprintFiles([...record.files, ...environmentFiles(layout.root)], [record.typescript]) === record.fingerprint) {
        return { files: record.files, fingerprint: record.fingerprint, cached: true };
      }
    } catch {
      // A damaged cache is ignored and rewritten below.
    }
  }
  const ts = await loadTypeScript();
  const compilerOptions = loadCompilerOptions(ts, layout.root);
  mkdirSync(layout.cacheDir, { recursive: true });
  const program = ts.createIncrementalProgram({
    rootNames: sortedEntries,
    options: { ...compilerOptions, noEmit: true, incremental: true, tsBuildInfoFile: join(layout.cacheDir, 'typecheck.tsbuildinfo') },
  });
  const diagnostics = [
    ...program.getConfigFileParsingDiagnostics(),
    ...program.getOptionsDiagnostics(),
    ...program.getSyntacticDiagnostics(),
    ...program.getGlobalDiagnostics(),
    ...program.getSemanticDiagnostics(),
  ].filter((d) => d.category === ts.DiagnosticCategory.Error);
  if (diagnostics.length > 0) throw new TypeScriptError(diagnostics.map((d) => toDiagnostic(ts, layout.root, d)));
  program.emit(); // writes the build info only (noEmit)
  const files = program
    .getSourceFiles()
    .map((file) => resolve(file.fileName))
    .filter((file) => !file.includes(`${'/'}node_modules${'/'}`) && !program.getProgram().isSourceFileDefaultLibrary(program.getSourceFile(file)!))
    .sort();
  const fingerprint = fingerprintFiles([...files, ...environmentFiles(layout.root)], [ts.version]);
  writeFileSync(cacheFile, `${JSON.stringify({ entries: sortedEntries, files, fingerprint, typescript: ts.version } satisfies CacheRecord)}\n`);
  return { files, fingerprint, cached: false };
}

function loadCompilerOptions(ts: typeof import('typescript'), root: string): ts.CompilerOptions {
  const configPath = ts.findConfigFile(root, ts.sys.fileExists, 'tsconfig.json');
  if (!configPath) return compilerDefaults(ts);
  const read = ts.readConfigFile(configPath, ts.sys.readFile);
  if (read.error) throw new TypeScriptError([toDiagnostic(ts, root, read.error)]);
  const parsed = ts.parseJsonConfigFileContent(read.config, ts.sys, dirname(configPath));
  return parsed.options;
}

function toDiagnostic(ts: typeof import('typescript'), root: string, diagnostic: ts.Diagnostic): TypeScriptDiagnostic {
  const message = ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n');
  if (!diagnostic.file || diagnostic.start === undefined) return { file: '', line: 0, column: 0, code: diagnostic.code, message };
  const { line, character } = diagnostic.file.getLineAndCharacterOfPosition(diagnostic.start);
  return { file: relative(root, diagnostic.file.fileName), line: line + 1, column: character + 1, code: diagnostic.code, message };
}
