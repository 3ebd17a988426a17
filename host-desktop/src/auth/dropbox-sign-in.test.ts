import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { expect } from 'chai';
import { createLogger } from '@filing-sync/core';
import { DropboxSignIn } from './dropbox-sign-in.js';
import { TokenVault } from './token-vault.js';

describe('Dropbox sign-in (the SDK\'s PKCE URL)', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'fs-dropbox-signin-'));
  });
  after(async () => rm(dir, { recursive: true, force: true }));

  it('asks for offline access with an S256 challenge of the verifier it keeps, and the caller\'s state', async () => {
    const logger = createLogger({ level: 'fatal', destination: new Writable({ write: (_c, _e, cb) => cb() }) });
    const p = new DropboxSignIn({ appKey: 'dbx-app-key' }, await TokenVault.open(dir), logger);
    const start = await p.startSignIn('http://127.0.0.1:47615/auth/callback', 'dbx-state');
    const url = new URL(start.url);
    expect(url.origin + url.pathname).to.match(/^https:\/\/(www\.)?dropbox\.com\/oauth2\/authorize$/);
    expect(Object.fromEntries(url.searchParams)).to.include({
      client_id: 'dbx-app-key',
      redirect_uri: 'http://127.0.0.1:47615/auth/callback',
      response_type: 'code',
      state: 'dbx-state',
      token_access_type: 'offline',
      code_challenge_method: 'S256',
    });
    expect(url.searchParams.get('code_challenge')).to.equal(createHash('sha256').update(start.codeVerifier).digest('base64url'));
    expect((await p.status()).signedIn).to.equal(false);
  });
});
