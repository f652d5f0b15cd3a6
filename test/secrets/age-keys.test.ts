// Where identities come from (as sops looks for them) and the .sops.yaml creation rules.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { defaultKeysFile, generateIdentity, keysFileText, loadIdentities, NoIdentityError, parseCreationRules, parseIdentities, ruleFor } from '../../src/secrets/index.ts';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'strata-age-keys-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('loadIdentities', () => {
  it('reads SOPS_AGE_KEY (several keys), SOPS_AGE_KEY_FILE and the XDG keys file, all together', async () => {
    const [a, b, c, d] = await Promise.all([generateIdentity(), generateIdentity(), generateIdentity(), generateIdentity()]);
    writeFileSync(join(dir, 'file.txt'), keysFileText(c!));
    mkdirSync(join(dir, 'xdg/sops/age'), { recursive: true });
    writeFileSync(join(dir, 'xdg/sops/age/keys.txt'), keysFileText(d!));
    const env = { SOPS_AGE_KEY: `${a!.secret} ${b!.secret}`, SOPS_AGE_KEY_FILE: join(dir, 'file.txt'), XDG_CONFIG_HOME: join(dir, 'xdg') };
    const found = await loadIdentities({ env });
    expect(found.map((i) => i.recipient)).toEqual([a, b, c, d].map((i) => i!.recipient));
    expect(found.map((i) => i.origin)).toEqual(['SOPS_AGE_KEY', 'SOPS_AGE_KEY', join(dir, 'file.txt'), join(dir, 'xdg/sops/age/keys.txt')]);
  });

  it('falls back to ~/.config/sops/age/keys.txt and says where it looked when nothing is there', async () => {
    expect(defaultKeysFile({ env: {}, home: '/home/x' })).toBe(process.platform === 'darwin' ? '/home/x/Library/Application Support/sops/age/keys.txt' : '/home/x/.config/sops/age/keys.txt');
    const attempt = loadIdentities({ env: {}, home: dir });
    await expect(attempt).rejects.toBeInstanceOf(NoIdentityError);
    await expect(attempt).rejects.toThrow(/SOPS_AGE_KEY, SOPS_AGE_KEY_FILE, .*keys\.txt/);
  });

  it('refuses a malformed key without echoing it', async () => {
    const attempt = parseIdentities('# comment\nAGE-SECRET-KEY-1NOTVALIDATALL\n', 'keys.txt');
    await expect(attempt).rejects.toThrow(/keys\.txt: line 2 is not a valid age identity/);
    await expect(attempt).rejects.not.toThrow(/NOTVALID/);
  });
});

describe('creation rules', () => {
  const config = parseCreationRules(
    [
      'creation_rules:',
      '  - path_regex: clusters/prod/.*\\.yaml$',
      '    encrypted_regex: ^(data|stringData)$',
      '    age: age1aaa, age1bbb',
      '  - path_regex: clusters/staging/',
      '    key_groups:',
      '      - age: [age1ccc]',
      '  - age:',
      '      - age1ddd',
      '',
    ].join('\n'),
    '/repo/.sops.yaml',
  );

  it('matches paths relative to the folder of .sops.yaml, first rule first', () => {
    expect(ruleFor(config, '/repo/clusters/prod/db.yaml')).toEqual({ pathRegex: 'clusters/prod/.*\\.yaml$', encryptedRegex: '^(data|stringData)$', age: ['age1aaa', 'age1bbb'] });
    expect(ruleFor(config, '/repo/clusters/staging/db.yaml')?.age).toEqual(['age1ccc']);
    expect(ruleFor(config, '/repo/other.yaml')?.age).toEqual(['age1ddd']);
  });

  it('refuses a broken path_regex with the file named', () => {
    expect(() => parseCreationRules('creation_rules:\n  - path_regex: "("\n    age: age1x\n', '/repo/.sops.yaml')).toThrow(/\/repo\/\.sops\.yaml creation_rules\[0\]\.path_regex: the regular expression/);
  });
});
