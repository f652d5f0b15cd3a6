// Commit signatures as git checks them, on commits pushed to the test Git server: SSH and
// OpenPGP, the right signer, a wrong one (named), and none.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyCommitSignature } from '../../src/git/index.ts';
import { startGitServer, type GitServer } from './git-server.ts';
import { testKeys, type TestKeys, type TestSigner } from './_signing.ts';

let server: GitServer;
let keys: TestKeys;
let alice: TestSigner;
let mallory: TestSigner;
let bob: TestSigner;
let eve: TestSigner;
beforeAll(async () => {
  server = await startGitServer();
  keys = testKeys();
  [alice, mallory, bob, eve] = await Promise.all([keys.ssh('alice', 'alice@example.com'), keys.ssh('mallory', 'mallory@example.com'), keys.openpgp('Bob', 'bob@example.com'), keys.openpgp('Eve', 'eve@example.com')]);
  await server.createRepo('signed');
}, 60_000);
afterAll(async () => {
  await keys?.dispose();
  await server?.teardown();
});

describe('verifyCommitSignature', () => {
  it('accepts the allowed signers and refuses, naming the signer found, the others and the unsigned', async () => {
    const commit = async (signer?: TestSigner) => server.push('signed', { files: { 'a.yaml': `by: ${signer?.identity ?? 'nobody'}\n` }, ...(signer ? { sign: signer.sign } : {}) });
    const signed = { alice: await commit(alice), mallory: await commit(mallory), bob: await commit(bob), eve: await commit(eve), none: await commit() };
    const gitDir = join(server.reposDir, 'signed.git');
    const signers = { allowedSigners: `${alice.allowedSigner}\n`, openpgpKeys: [bob.publicKey] };
    const check = (commitId: string) => verifyCommitSignature({ gitDir, commit: commitId, signers });

    expect(await check(signed.alice)).toEqual({ verified: true, commit: signed.alice, format: 'ssh', signer: `alice@example.com (SSH key ${alice.fingerprint})` });
    expect(await check(signed.bob)).toMatchObject({ verified: true, format: 'openpgp', signer: expect.stringContaining('Bob <bob@example.com>') });
    expect(await check(signed.mallory)).toEqual({
      verified: false,
      commit: signed.mallory,
      format: 'ssh',
      signer: `SSH key ${mallory.fingerprint}`,
      reason: `is signed by SSH key ${mallory.fingerprint}, which is not one of the keys of spec.verify`,
    });
    const wrongPgp = await check(signed.eve);
    expect(wrongPgp).toMatchObject({ verified: false, format: 'openpgp' });
    expect(!wrongPgp.verified && wrongPgp.reason).toContain(`OpenPGP key ${eve.fingerprint.slice(-16)}`);
    expect(await check(signed.none)).toEqual({ verified: false, commit: signed.none, reason: 'is not signed' });
    // An SSH signature with no allowed signers, and an OpenPGP one with no keys, verify nothing.
    expect((await verifyCommitSignature({ gitDir, commit: signed.alice, signers: { openpgpKeys: [bob.publicKey] } })).verified).toBe(false);
    expect((await verifyCommitSignature({ gitDir, commit: signed.bob, signers: { allowedSigners: alice.allowedSigner ?? '' } })).verified).toBe(false);
  }, 60_000);
});
