import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { osKeychain } from './os-keychain.js';
import { TokenVault } from './token-vault.js';

describe('the OS keychain through @napi-rs/keyring', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'fs-keychain-'));
  });
  after(async () => rm(dir, { recursive: true, force: true }));

  it('loads the native module on this platform, and the vault opens whether or not a keychain answers', async () => {
    // A test entry of its own, so a developer's real vault key is never touched.
    const keychain = await osKeychain('token-vault-key (tests)');
    expect(keychain, 'the native keyring module for this platform').not.to.equal(undefined);
    const vault = await TokenVault.open(dir, { keyStore: keychain });
    // Headless Linux (CI) has no Secret Service: the vault falls back to its user-only file.
    expect(['keychain', 'user-only-file']).to.include(vault.protection);
    if (process.platform === 'linux' && !process.env['DBUS_SESSION_BUS_ADDRESS']) expect(vault.protection).to.equal('user-only-file');
    await vault.set('microsoft-user', 'cache');
    expect(await vault.get('microsoft-user')).to.equal('cache');
  });
});
