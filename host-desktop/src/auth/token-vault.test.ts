import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { TokenVault, type KeyStore } from './token-vault.js';

/** A keychain held in memory; `keeps: false` imitates one that accepts writes and forgets them (no daemon). */
function memoryKeychain(keeps = true): KeyStore & { value: string | undefined } {
  const k = {
    description: 'the test keychain',
    value: undefined as string | undefined,
    read: async () => k.value,
    write: async (v: string) => {
      if (keeps) k.value = v;
    },
  };
  return k;
}

describe('TokenVault: tokens kept per user', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'fs-vault-'));
  });
  afterEach(async () => rm(dir, { recursive: true, force: true }));

  it('without a keychain keeps tokens in a file only the user can read (0600, folder 0700)', async () => {
    const vault = await TokenVault.open(join(dir, 'data'));
    expect(vault.protection).to.equal('user-only-file');
    await vault.set('box-user', '{"refreshToken":"rt-1"}');
    const file = join(dir, 'data', 'tokens.json');
    expect((await stat(file)).mode & 0o777).to.equal(0o600);
    expect((await stat(join(dir, 'data'))).mode & 0o777).to.equal(0o700);
    expect(await vault.get('box-user')).to.equal('{"refreshToken":"rt-1"}');
    // Another process (the next start) reads the same.
    expect(await (await TokenVault.open(join(dir, 'data'))).get('box-user')).to.equal('{"refreshToken":"rt-1"}');
  });

  it('with a keychain seals every value under a key only the keychain holds', async () => {
    const keychain = memoryKeychain();
    const vault = await TokenVault.open(dir, { keyStore: keychain });
    expect(vault.protection).to.equal('keychain');
    expect(vault.where).to.equal('the test keychain');
    await vault.set('microsoft-user', 'refresh-token-secret');
    const text = await readFile(join(dir, 'tokens.json'), 'utf8');
    expect(text).not.to.contain('refresh-token-secret');
    expect((await stat(join(dir, 'tokens.json'))).mode & 0o777).to.equal(0o600);
    expect(await (await TokenVault.open(dir, { keyStore: keychain })).get('microsoft-user')).to.equal('refresh-token-secret');
    // Without the key (another user, or the keychain entry deleted) the file alone reveals nothing.
    expect(await (await TokenVault.open(dir, { keyStore: memoryKeychain() })).get('microsoft-user')).to.equal(undefined);
  });

  it('falls back to the user-only file when the keychain does not keep what it is given', async () => {
    const vault = await TokenVault.open(dir, { keyStore: memoryKeychain(false) });
    expect(vault.protection).to.equal('user-only-file');
    await vault.set('dropbox-user', 'x');
    expect(await vault.get('dropbox-user')).to.equal('x');
  });

  it('loses no write when values are stored at once (a rotated refresh token is never overwritten by an older save)', async () => {
    const vault = await TokenVault.open(dir);
    await Promise.all(Array.from({ length: 20 }, (_, i) => vault.set(`account-${i}`, `token-${i}`)));
    for (let i = 0; i < 20; i++) expect(await vault.get(`account-${i}`)).to.equal(`token-${i}`);
    await vault.delete('account-3');
    expect(await vault.get('account-3')).to.equal(undefined);
    expect(await vault.get('account-4')).to.equal('token-4');
  });
});
