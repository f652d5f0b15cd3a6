// `strata secrets …` run as the real binary against files in a temporary folder.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parse } from 'yaml';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

const BIN = resolve(import.meta.dirname, '../../cli/bin/strata.js');
let dir: string;
let env: NodeJS.ProcessEnv;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'strata-secrets-cli-'));
  env = { PATH: process.env.PATH ?? '', HOME: dir, XDG_CONFIG_HOME: join(dir, '.config'), TMPDIR: join(dir, 'tmp') };
  mkdirSync(join(dir, 'tmp'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function strata(args: readonly string[], extra: NodeJS.ProcessEnv = {}): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: dir, env: { ...env, ...extra }, encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const SECRET = `apiVersion: v1
kind: Secret
metadata:
  name: db
  namespace: shop
type: Opaque
stringData:
  # the password
  password: hunter2
  user: admin
  host: db.internal
`;

function keygen(extra: NodeJS.ProcessEnv = {}): string {
  const r = strata(['secrets', 'keygen'], extra);
  expect(r.status, r.stderr).toBe(0);
  return r.stdout.trim();
}

function setUpRepo(): string {
  const recipient = keygen();
  writeFileSync(join(dir, '.sops.yaml'), `creation_rules:\n  - path_regex: clusters/prod/.*\\.yaml$\n    age: ${recipient}\n`);
  mkdirSync(join(dir, 'clusters/prod'), { recursive: true });
  writeFileSync(join(dir, 'clusters/prod/db.yaml'), SECRET);
  const r = strata(['secrets', 'encrypt', '-i', 'clusters/prod/db.yaml']);
  expect(r.status, r.stderr).toBe(0);
  return recipient;
}

const valueLine = (text: string, key: string): string => new RegExp(`^\\s+${key}: (.*)$`, 'm').exec(text)?.[1] ?? '';

describe('strata secrets', { timeout: 240_000 }, () => {
  it('keygen stores the identity where sops looks, 0600, and prints only the recipient', () => {
    const r = strata(['secrets', 'keygen']);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^age1[0-9a-z]+\n$/);
    const file = join(dir, '.config/sops/age/keys.txt');
    expect(r.stderr).toContain(file);
    expect(`${r.stdout}${r.stderr}`).not.toContain('AGE-SECRET-KEY');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readFileSync(file, 'utf8')).toMatch(/^AGE-SECRET-KEY-1[0-9A-Z]+$/m);
    const second = strata(['secrets', 'keygen', '--out', join(dir, 'other.txt')]);
    expect(second.status).toBe(0);
    expect(existsSync(join(dir, 'other.txt'))).toBe(true);
  });

  it('encrypts with the .sops.yaml rule and the Kubernetes default, and decrypts', () => {
    const recipient = setUpRepo();
    const enc = readFileSync(join(dir, 'clusters/prod/db.yaml'), 'utf8');
    expect(enc).not.toContain('hunter2');
    expect(enc).toContain('encrypted_regex: ^(data|stringData)$');
    expect(enc).toContain(`recipient: ${recipient}`);
    expect(enc).toContain('name: db');
    const d = strata(['secrets', 'decrypt', 'clusters/prod/db.yaml']);
    expect(d.status, d.stderr).toBe(0);
    expect(d.stdout).toBe(SECRET);
  });

  it('fails clearly without recipients or with the wrong key, never printing plaintext', () => {
    writeFileSync(join(dir, 'x.yaml'), SECRET);
    const none = strata(['secrets', 'encrypt', 'x.yaml']);
    expect(none.status).toBe(2);
    expect(none.stderr).toMatch(/x\.yaml: no age recipients/);
    setUpRepo();
    rmSync(join(dir, '.config'), { recursive: true });
    keygen();
    const wrong = strata(['secrets', 'decrypt', 'clusters/prod/db.yaml']);
    expect(wrong.status).toBe(2);
    expect(wrong.stderr).toMatch(/clusters\/prod\/db\.yaml: none of the 1 age identity given can decrypt the data key/);
    expect(wrong.stdout + wrong.stderr).not.toContain('hunter2');
  });

  it('edit re-encrypts only the changed value, in a private temporary file that is removed', () => {
    setUpRepo();
    const before = readFileSync(join(dir, 'clusters/prod/db.yaml'), 'utf8');
    const log = join(dir, 'editor.log');
    const editor = join(dir, 'editor.sh');
    writeFileSync(editor, `#!/bin/sh\nstat -c '%a %n' "$1" "$(dirname "$1")" > ${log}\nsed -i 's/user: admin/user: root/' "$1"\n`, { mode: 0o755 });
    const r = strata(['secrets', 'edit', 'clusters/prod/db.yaml'], { EDITOR: editor });
    expect(r.status, r.stderr).toBe(0);
    const [fileLine, dirLine] = readFileSync(log, 'utf8').trim().split('\n');
    expect(fileLine).toMatch(/^600 /);
    expect(dirLine).toMatch(/^700 /);
    expect(existsSync(fileLine!.split(' ')[1]!)).toBe(false);
    const after = readFileSync(join(dir, 'clusters/prod/db.yaml'), 'utf8');
    expect(valueLine(after, 'password')).toBe(valueLine(before, 'password'));
    expect(valueLine(after, 'host')).toBe(valueLine(before, 'host'));
    expect(valueLine(after, 'user')).not.toBe(valueLine(before, 'user'));
    expect(parse(strata(['secrets', 'decrypt', 'clusters/prod/db.yaml']).stdout).stringData.user).toBe('root');
  });

  it('edit removes the temporary file and keeps the file when the editor fails or is killed', () => {
    setUpRepo();
    const before = readFileSync(join(dir, 'clusters/prod/db.yaml'), 'utf8');
    for (const body of ['exit 3', 'kill -TERM $$', 'echo "a: [" > "$1"']) {
      const editor = join(dir, 'editor.sh');
      writeFileSync(editor, `#!/bin/sh\necho "$1" > ${join(dir, 'path.log')}\n${body}\n`, { mode: 0o755 });
      const r = strata(['secrets', 'edit', 'clusters/prod/db.yaml'], { EDITOR: editor });
      expect(r.status).not.toBe(0);
      expect(r.stdout + r.stderr).not.toContain('hunter2');
      expect(existsSync(readFileSync(join(dir, 'path.log'), 'utf8').trim())).toBe(false);
      expect(readFileSync(join(dir, 'clusters/prod/db.yaml'), 'utf8')).toBe(before);
    }
  });

  it('edit removes the temporary file when strata itself is terminated', async () => {
    setUpRepo();
    const editor = join(dir, 'editor.sh');
    const pathLog = join(dir, 'path.log');
    writeFileSync(editor, `#!/bin/sh\necho "$1" > ${pathLog}\nsleep 30\n`, { mode: 0o755 });
    const child = spawn(process.execPath, [BIN, 'secrets', 'edit', 'clusters/prod/db.yaml'], { cwd: dir, env: { ...env, EDITOR: editor }, stdio: 'ignore' });
    for (let i = 0; i < 100 && !existsSync(pathLog); i += 1) await new Promise((r) => setTimeout(r, 100));
    const tmpFile = readFileSync(pathLog, 'utf8').trim();
    expect(existsSync(tmpFile)).toBe(true);
    const code = await new Promise<number | null>((done) => {
      child.once('exit', (c) => done(c));
      child.kill('SIGTERM');
    });
    expect(code).toBe(143);
    expect(existsSync(tmpFile)).toBe(false);
  });

  it('rotate changes every ciphertext; add-recipient and remove-recipient change who can decrypt', () => {
    setUpRepo();
    const file = join(dir, 'clusters/prod/db.yaml');
    const before = readFileSync(file, 'utf8');
    expect(strata(['secrets', 'rotate', 'clusters/prod/db.yaml']).status).toBe(0);
    const rotated = readFileSync(file, 'utf8');
    for (const key of ['password', 'user', 'host']) expect(valueLine(rotated, key)).not.toBe(valueLine(before, key));
    expect(strata(['secrets', 'decrypt', 'clusters/prod/db.yaml']).stdout).toBe(SECRET);

    const bobKeys = join(dir, 'bob.txt');
    const bob = strata(['secrets', 'keygen', '--out', bobKeys]).stdout.trim();
    const add = strata(['secrets', 'add-recipient', bob, 'clusters/prod/db.yaml']);
    expect(add.status, add.stderr).toBe(0);
    expect(valueLine(readFileSync(file, 'utf8'), 'password')).toBe(valueLine(rotated, 'password'));
    const asBob = { XDG_CONFIG_HOME: join(dir, 'nowhere'), SOPS_AGE_KEY_FILE: bobKeys };
    expect(strata(['secrets', 'decrypt', 'clusters/prod/db.yaml'], asBob).stdout).toBe(SECRET);

    const me = readFileSync(join(dir, '.sops.yaml'), 'utf8').match(/age: (age1\w+)/)?.[1] ?? '';
    const remove = strata(['secrets', 'remove-recipient', me, 'clusters/prod/db.yaml']);
    expect(remove.status, remove.stderr).toBe(0);
    expect(strata(['secrets', 'decrypt', 'clusters/prod/db.yaml']).status).toBe(2);
    expect(strata(['secrets', 'decrypt', 'clusters/prod/db.yaml'], asBob).stdout).toBe(SECRET);
  });

  it('updatekeys re-encrypts for the recipients the creation rule names now', () => {
    const me = setUpRepo();
    const bobKeys = join(dir, 'bob.txt');
    const bob = strata(['secrets', 'keygen', '--out', bobKeys]).stdout.trim();
    writeFileSync(join(dir, '.sops.yaml'), `creation_rules:\n  - path_regex: clusters/prod/.*\\.yaml$\n    age: ${me},${bob}\n`);
    const r = strata(['secrets', 'updatekeys', 'clusters/prod/db.yaml']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toContain(`+${bob}`);
    const asBob = { XDG_CONFIG_HOME: join(dir, 'nowhere'), SOPS_AGE_KEY_FILE: bobKeys };
    expect(strata(['secrets', 'decrypt', 'clusters/prod/db.yaml'], asBob).stdout).toBe(SECRET);
    expect(strata(['secrets', 'updatekeys', 'clusters/prod/db.yaml']).stderr).toContain('already up to date');
  });
});
