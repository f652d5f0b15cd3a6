// The other pinned tools run: kustomize builds an overlay, sops encrypts for an age recipient and
// decrypts with the matching identity (a key made by the age-encryption package Strata uses).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateX25519Identity, identityToRecipient } from 'age-encryption';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { assertToolsBuilt, toolPath } from '../cluster/tools.ts';

assertToolsBuilt(['kubectl', 'kustomize', 'sops']);
const dir = mkdtempSync(join(tmpdir(), 'strata-tools-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const run = (tool: Parameters<typeof toolPath>[0], args: string[], env: Record<string, string> = {}) => {
  const r = spawnSync(toolPath(tool), args, { cwd: dir, encoding: 'utf8', env: { ...process.env, ...env } });
  if (r.status !== 0) throw new Error(`${tool} ${args.join(' ')} exited with ${r.status}: ${r.stderr}`);
  return r.stdout;
};

describe('pinned tools', () => {
  it('kubectl reports the pinned Kubernetes version', () => {
    expect(run('kubectl', ['version', '--client', '-o', 'json'])).toContain('"gitVersion": "v1.34.4"');
  });

  it('kustomize builds a kustomization', () => {
    writeFileSync(join(dir, 'cm.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app\ndata:\n  a: "1"\n');
    writeFileSync(join(dir, 'kustomization.yaml'), 'namePrefix: prod-\nresources:\n- cm.yaml\n');
    const out = parse(run('kustomize', ['build', '.'])) as { metadata: { name: string } };
    expect(out.metadata.name).toBe('prod-app');
  });

  it('sops round-trips a secret through an age key', async () => {
    const identity = await generateX25519Identity();
    const recipient = await identityToRecipient(identity);
    writeFileSync(join(dir, 'secret.yaml'), 'password: hunter2\n');
    const encrypted = run('sops', ['--encrypt', '--age', recipient, 'secret.yaml']);
    expect(encrypted).not.toContain('hunter2');
    expect(encrypted).toContain(recipient);
    writeFileSync(join(dir, 'secret.enc.yaml'), encrypted);
    const decrypted = run('sops', ['--decrypt', 'secret.enc.yaml'], { SOPS_AGE_KEY: identity });
    expect(parse(decrypted)).toEqual({ password: 'hunter2' });
  });
});
