import { describe, expect, it } from 'vitest';
import type { Sync } from '../../src/api/sync.ts';
import { ManifestSet } from '../../src/manifest/index.ts';
import { EncryptedObjectError, refuseEncrypted } from '../../src/reconciler/decrypt.ts';

const sync = (spec: Partial<Sync['spec']> = {}): Sync => ({
  apiVersion: 'strata.dev/v1alpha1',
  kind: 'Sync',
  metadata: { name: 'web', namespace: 'team' },
  spec: { url: 'https://git.example.com/a.git', ...spec },
});

describe('the decryption hook', () => {
  it('refuses SOPS-encrypted objects by default, naming each', async () => {
    const set = ManifestSet.fromObjects([{ apiVersion: 'v1', kind: 'Secret', metadata: { name: 's', namespace: 'n' }, sops: { version: '3.9.0' } }]);
    await expect(refuseEncrypted(set, sync())).rejects.toThrow(EncryptedObjectError);
    await expect(refuseEncrypted(set, sync({ decryption: { provider: 'sops', secretRef: { name: 'k' } } }))).rejects.toThrow(/Secret\/n\/s: SOPS-encrypted, spec.decryption is set but this agent has no sops decrypter installed/);
    const plain = ManifestSet.fromObjects([{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: 'n' } }]);
    expect(await refuseEncrypted(plain, sync())).toBe(plain);
  });
});
