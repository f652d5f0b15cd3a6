import { execFile } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import type { TypeScriptDiagnostic } from './errors.ts';

/**
 * The native TypeScript compiler (TypeScript 7, written in Go), run as its CLI.
 *
 * It is installed as the dependency `typescript-native` (an npm alias of `typescript@7`)
 * beside `typescript` 5.9, which stays for editors and as the in-process fallback
 * (`_tsc-js.ts`). Its binary comes in a per-platform optional dependency
 * (`@typescript/typescript-<platform>-<arch>`) with no install script, so it installs
 * under npm 11's install-script policy and with `npm ci --ignore-scripts`.
 * @internal
 */
export interface NativeCompiler {
  /** Absolute path of the `tsc` executable. */
  readonly executable: string;
  /** The compiler's version, e.g. `7.0.2`. */
  readonly version: string;
}

/** What one native check found. */
export interface NativeCheck {
  readonly diagnostics: readonly TypeScriptDiagnostic[];
  /** Absolute paths of every file of the program (its `--listFiles`); empty when the check failed. */
  readonly files: readonly string[];
}

let located: NativeCompiler | null | undefined;

/** The native compiler of this installation, or undefined when it is not installed for this platform. */
export function nativeCompiler(): NativeCompiler | undefined {
  if (located !== undefined) return located ?? undefined;
  located = null;
  try {
    const require = createRequire(import.meta.url);
    const manifest = require.resolve('typescript-native/package.json');
    const { version } = JSON.parse(readFileSync(manifest, 'utf8')) as { version: string };
    const platform = createRequire(manifest).resolve(`@typescript/typescript-${process.platform}-${process.arch}/package.json`);
    const executable = join(dirname(platform), 'lib', process.platform === 'win32' ? 'tsc.exe' : 'tsc');
    if (existsSync(executable)) located = { executable, version };
  } catch {
    // Not installed, or no binary for this platform: the caller falls back.
  }
  return located ?? undefined;
}

/**
 * The project's compiler options as TypeScript reads them, restricted to the entries: a
 * generated tsconfig in the cache folder that extends the project's own (found upwards
 * from the root), lists the entries as its only files and turns on incremental checking.
 * Without a tsconfig, `defaults` stand in for it.
 */
function writeCheckConfig(root: string, cacheDir: string, entries: readonly string[], defaults: Record<string, unknown>): string {
  const project = findUp(root, 'tsconfig.json');
  const config = {
    ...(project === undefined ? {} : { extends: project }),
    compilerOptions: {
      ...(project === undefined ? defaults : {}),
      noEmit: true,
      composite: false,
      incremental: true,
      tsBuildInfoFile: './typecheck-native.tsbuildinfo',
    },
    files: entries,
    include: [],
  };
  const file = join(cacheDir, 'typecheck.tsconfig.json');
  writeFileSync(file, `${JSON.stringify(config, null, 2)}\n`);
  return file;
}

/** Runs the native compiler over the entries and parses its diagnostics (positions relative to `root`). */
export async function nativeCheck(compiler: NativeCompiler, root: string, cacheDir: string, entries: readonly string[], defaults: Record<string, unknown>): Promise<NativeCheck> {
  const config = writeCheckConfig(root, cacheDir, entries, defaults);
  const { status, stdout, stderr } = await run(compiler.executable, ['-p', config, '--pretty', 'false', '--listFiles'], root);
  const { diagnostics, files } = parseOutput(root, stdout);
  if (status !== 0 && diagnostics.length === 0) {
    throw new Error(`the native TypeScript compiler (${compiler.executable}) failed with exit code ${String(status)}: ${(stderr || stdout).trim()}`);
  }
  return { diagnostics, files: status === 0 ? files : [] };
}

const POSITIONED = /^(.+)\((\d+),(\d+)\): error TS(\d+): (.*)$/;
const GLOBAL = /^error TS(\d+): (.*)$/;

/**
 * `tsc --pretty false` prints `file(line,column): error TSnnnn: message`, the message's
 * further lines indented below it (as TypeScript's flattenDiagnosticMessageText gives
 * them), then, with --listFiles, one absolute path a line.
 * @internal
 */
export function parseOutput(root: string, stdout: string): NativeCheck {
  const diagnostics: { file: string; line: number; column: number; code: number; message: string }[] = [];
  const files: string[] = [];
  for (const line of stdout.split(/\r?\n/)) {
    const positioned = POSITIONED.exec(line);
    const global = positioned ? null : GLOBAL.exec(line);
    if (positioned) {
      const [, file = '', row = '0', column = '0', code = '0', message = ''] = positioned;
      diagnostics.push({ file: relative(root, resolve(root, file)), line: Number(row), column: Number(column), code: Number(code), message });
    } else if (global) {
      diagnostics.push({ file: '', line: 0, column: 0, code: Number(global[1]), message: global[2] ?? '' });
    } else if (line.startsWith(' ') && diagnostics.length > 0 && files.length === 0) {
      diagnostics[diagnostics.length - 1]!.message += `\n${line}`;
    } else if (line !== '') {
      files.push(resolve(root, line));
    }
  }
  return { diagnostics, files };
}

function run(executable: string, args: readonly string[], cwd: string): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolvePromise, reject) => {
    execFile(executable, [...args], { cwd, maxBuffer: 64 * 1024 * 1024, encoding: 'utf8' }, (error, stdout, stderr) => {
      if (error && typeof error.code !== 'number') return reject(error);
      resolvePromise({ status: error ? (error.code as number) : 0, stdout, stderr });
    });
  });
}

/** The nearest `name` in `from` or a folder above it. */
export function findUp(from: string, name: string): string | undefined {
  for (let dir = resolve(from); ; dir = dirname(dir)) {
    if (existsSync(join(dir, name))) return join(dir, name);
    if (dirname(dir) === dir) return undefined;
  }
}
