import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { expect } from 'chai';
import { AuthError, createLogger } from '@filing-sync/core';
import type { AuthorizationStart } from './interactive-provider.js';
import { TokenSetProvider, type TokenSet } from './token-set-provider.js';
import { TokenVault } from './token-vault.js';

const logger = createLogger({ level: 'fatal', destination: new Writable({ write: (_c, _e, cb) => cb() }) });

/** A service whose refresh takes a while (and rotates the refresh token), and whose sign-in hands out `next`. */
class SlowService extends TokenSetProvider {
  readonly name = 'box-user';
  readonly label = 'Box';
  readonly resources = ['box'];
  refreshes = 0;
  next: TokenSet = { accessToken: 'AT-new', refreshToken: 'RT-new', expiresAt: Date.now() + 3_600_000, user: 'bo@example.com' };
  async startSignIn(): Promise<AuthorizationStart> {
    return { url: 'https://example.invalid/authorize', codeVerifier: 'v' };
  }
  protected async redeem(): Promise<TokenSet> {
    return this.next;
  }
  protected async refresh(): Promise<TokenSet> {
    this.refreshes++;
    await sleep(300);
    return { accessToken: 'AT-2', refreshToken: 'RT-2', expiresAt: Date.now() + 3_600_000 };
  }
}

describe('TokenSetProvider: a refresh under way never undoes a sign-out or a new sign-in', () => {
  let dir: string;
  let vault: TokenVault;
  let p: SlowService;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'fs-tokenset-'));
    vault = await TokenVault.open(dir);
    await vault.set('box-user', JSON.stringify({ accessToken: 'AT-1', refreshToken: 'RT-1', expiresAt: Date.now() - 1000, user: 'ana@example.com' }));
    p = new SlowService(vault, logger);
  });
  afterEach(async () => rm(dir, { recursive: true, force: true }));

  it('signed out while a refresh runs: stays signed out, and the waiting request is told to sign in', async () => {
    const writing = p.get({ resource: 'box' });
    await sleep(50);
    await p.signOut();
    const err = await writing.then(
      () => expect.fail('handed out a token after the sign-out'),
      (e: unknown) => e,
    );
    expect(err).to.be.instanceOf(AuthError);
    expect((err as AuthError).message).to.match(/signed out or signed in again/);
    expect(await vault.get('box-user')).to.equal(undefined);
    expect(await p.status()).to.include({ signedIn: false });
  });

  it('signed in again (another account) while a refresh runs: the new sign-in is kept, not the old account\'s refreshed tokens', async () => {
    const writing = p.get({ resource: 'box' });
    await sleep(50);
    await p.finishSignIn(new URL('http://127.0.0.1/auth/callback?code=c&state=s'), 'v', 'http://127.0.0.1/auth/callback', 's');
    await writing.catch(() => undefined);
    expect(JSON.parse((await vault.get('box-user'))!)).to.include({ accessToken: 'AT-new', refreshToken: 'RT-new', user: 'bo@example.com' });
  });

  it('without a sign-out meanwhile, stores the rotated refresh token and hands out the new access token', async () => {
    const credential = await p.get({ resource: 'box' });
    expect(credential).to.include({ accessToken: 'AT-2' });
    expect(JSON.parse((await vault.get('box-user'))!)).to.include({ refreshToken: 'RT-2', user: 'ana@example.com' });
  });
});
