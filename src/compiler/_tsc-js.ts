import { dirname, join, relative, resolve } from 'node:path';
import type ts from 'typescript';
import type { TypeScriptDiagnostic } from './errors.ts';
import { findUp } from './_tsc-native.ts';

/**
 * The TypeScript compiler written in TypeScript (the `typescript` 5.9 dependency, the
 * version editors load), run in process through its API: the fallback where the native
 * compiler is not installed for the platform or cannot read the project's tsconfig
 * (options TypeScript 7 removed). About six times slower than the native compiler.
 * @internal
 */
export interface JsCheck {
  readonly version: string;
  readonly diagnostics: readonly TypeScriptDiagnostic[];
  /** Absolute paths of the program's files outside node_modules and the default library; empty when the check failed. */
  readonly files: readonly string[];
}

/** TypeScript is loaded only when this check has to run: its module alone takes ~0.3 s to load. */
async function loadTypeScript(): Promise<typeof ts> {
  const module = (await import('typescript')) as { default?: typeof ts } & typeof ts;
  return module.default ?? module;
}

/** Type-checks the entries with the project's compiler options (or `defaults`), incrementally with build info in `cacheDir`. */
export async function jsCheck(root: string, cacheDir: string, entries: readonly string[], defaults: Record<string, unknown>): Promise<JsCheck> {
  const ts = await loadTypeScript();
  const compilerOptions = loadCompilerOptions(ts, root, defaults);
  if ('diagnostics' in compilerOptions) return { version: ts.version, diagnostics: compilerOptions.diagnostics, files: [] };
  const program = ts.createIncrementalProgram({
    rootNames: [...entries],
    options: { ...compilerOptions.options, noEmit: true, incremental: true, tsBuildInfoFile: join(cacheDir, 'typecheck.tsbuildinfo') },
  });
  const diagnostics = [
    ...program.getConfigFileParsingDiagnostics(),
    ...program.getOptionsDiagnostics(),
    ...program.getSyntacticDiagnostics(),
    ...program.getGlobalDiagnostics(),
    ...program.getSemanticDiagnostics(),
  ].filter((d) => d.category === ts.DiagnosticCategory.Error);
  if (diagnostics.length > 0) return { version: ts.version, diagnostics: diagnostics.map((d) => toDiagnostic(ts, root, d)), files: [] };
  program.emit(); // writes the build info only (noEmit)
  const files = program
    .getSourceFiles()
    .filter((file) => !program.getProgram().isSourceFileDefaultLibrary(file))
    .map((file) => resolve(file.fileName));
  return { version: ts.version, diagnostics: [], files };
}

function loadCompilerOptions(ts: typeof import('typescript'), root: string, defaults: Record<string, unknown>): { options: ts.CompilerOptions } | { diagnostics: TypeScriptDiagnostic[] } {
  const configPath = findUp(root, 'tsconfig.json');
  if (!configPath) return { options: ts.convertCompilerOptionsFromJson(defaults, root).options };
  const read = ts.readConfigFile(configPath, ts.sys.readFile);
  if (read.error) return { diagnostics: [toDiagnostic(ts, root, read.error)] };
  const parsed = ts.parseJsonConfigFileContent(read.config, ts.sys, dirname(configPath));
  return { options: parsed.options };
}

function toDiagnostic(ts: typeof import('typescript'), root: string, diagnostic: ts.Diagnostic): TypeScriptDiagnostic {
  const message = ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n');
  if (!diagnostic.file || diagnostic.start === undefined) return { file: '', line: 0, column: 0, code: diagnostic.code, message };
  const { line, character } = diagnostic.file.getLineAndCharacterOfPosition(diagnostic.start);
  return { file: relative(root, diagnostic.file.fileName), line: line + 1, column: character + 1, code: diagnostic.code, message };
}
