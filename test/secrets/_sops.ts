// The shared fixture of the sops interop tests: a private temporary folder, an age key in a
// keys file there, and the real sops binary (built by the test-tools harness) run with only
// that key and that folder.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { assertToolsBuilt, toolPath } from '../cluster/tools.ts';
import { generateIdentity, keysFileText, parseIdentities, type AgeIdentity } from '../../src/secrets/index.ts';

export interface SopsRun {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

export interface SopsFixture {
  /** The temporary folder: sops's working directory and HOME. */
  readonly dir: string;
  /** `<dir>/keys.txt` (mode 0600), sops's SOPS_AGE_KEY_FILE. */
  readonly keyFile: string;
  /** The identities of the keys file, as Strata reads them. */
  readonly identities: AgeIdentity[];
  /** The public age recipient of the key. */
  readonly recipient: string;
  /** Runs the real sops binary in `dir` with the key file and nothing else of this environment but PATH. */
  sops(args: readonly string[]): SopsRun;
  remove(): void;
}

/** Creates the folder and key; call `remove()` when done (in `afterAll`). */
export async function sopsFixture(prefix: string): Promise<SopsFixture> {
  assertToolsBuilt(['sops']);
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const identity = await generateIdentity();
  const keyFile = join(dir, 'keys.txt');
  writeFileSync(keyFile, keysFileText(identity), { mode: 0o600 });
  const identities = await parseIdentities(readFileSync(keyFile, 'utf8'), keyFile);
  return {
    dir,
    keyFile,
    identities,
    recipient: identity.recipient,
    sops(args) {
      const result = spawnSync(toolPath('sops'), args, {
        encoding: 'utf8',
        env: { PATH: process.env.PATH ?? '', HOME: dir, SOPS_AGE_KEY_FILE: keyFile, SOPS_DISABLE_VERSION_CHECK: '1' },
        cwd: dir,
      });
      return { status: result.status, stdout: result.stdout, stderr: result.stderr };
    },
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
