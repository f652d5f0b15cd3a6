// The distribution v3 registry, built from the Go module pinned in
// test/registry/tools/distribution/go.mod into the shared test-tools cache (see
// test/cluster/tools.ts), keyed by a hash of go.mod and go.sum; `npm test`'s global setup builds it
// with the other tools. It also pages tag lists (`n`/`last`), which Debian's docker-registry
// (2.8) ignored.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { goVersion, toolsCacheRoot } from '../cluster/tools.ts';
import { RegistryToolError } from './registry.ts';

const MODULE_DIR = join(dirname(fileURLToPath(import.meta.url)), 'tools', 'distribution');
const PACKAGE = 'github.com/distribution/distribution/v3/cmd/registry';

/** Where the built binary lives (it may not be built yet). */
export function registryV3Path(): string {
  const hash = createHash('sha256');
  for (const file of ['go.mod', 'go.sum']) hash.update(readFileSync(join(MODULE_DIR, file))).update('\0');
  hash.update(`${process.platform}/${process.arch}`);
  return join(toolsCacheRoot(), `distribution-${hash.digest('hex').slice(0, 16)}`, 'bin', 'registry');
}

/**
 * The v3 registry binary, built first when missing (4-7 minutes cold on 2 cores) unless
 * STRATA_TOOLS_AUTOBUILD=0. Fails with what to install when Go is missing; never skips.
 */
export async function registryV3Binary(log: (line: string) => void = (line) => process.stderr.write(`[registry v3] ${line}\n`)): Promise<string> {
  const binary = registryV3Path();
  if (existsSync(binary)) return binary;
  const build = `cd test/registry/tools/distribution && go build -o ${binary} ${PACKAGE}`;
  if (goVersion() === undefined) throw new RegistryToolError(`the distribution v3 registry is not built and \`go\` is not on PATH: install Go 1.24+ and run \`${build}\``);
  if (process.env['STRATA_TOOLS_AUTOBUILD'] === '0') throw new RegistryToolError(`the distribution v3 registry is not built (STRATA_TOOLS_AUTOBUILD=0): run \`${build}\``);
  log(`building ${PACKAGE} (pinned in test/registry/tools/distribution/go.mod)`);
  const temp = `${binary}.${process.pid}.tmp`;
  mkdirSync(dirname(binary), { recursive: true });
  await new Promise<void>((resolve, reject) => {
    const child = spawn('go', ['build', '-trimpath', '-o', temp, PACKAGE], { cwd: MODULE_DIR, stdio: ['ignore', 'inherit', 'inherit'] });
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolve() : reject(new RegistryToolError(`go build ${PACKAGE} failed (exit ${code})`))));
  });
  if (existsSync(binary)) rmSync(temp, { force: true });
  else renameSync(temp, binary);
  return binary;
}
