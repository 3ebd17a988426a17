import { createHash } from 'node:crypto';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { expect } from 'chai';
import { createLogger, TransientError } from '@filing-sync/core';
import { dropboxFetch } from '@filing-sync/sink-dropbox';
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

  it('never puts the refresh token or the sign-in code into the error of an unreachable Dropbox', async () => {
    const logger = createLogger({ level: 'fatal', destination: new Writable({ write: (_c, _e, cb) => cb() }) });
    // A port nothing listens on any more; and a fetch whose error quotes the URL, as node-fetch's does.
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    await new Promise((resolve) => server.close(resolve));
    const closed = dropboxFetch(`http://127.0.0.1:${port}`, 'test');
    const quoting: typeof fetch = async (input) => {
      throw Object.assign(new Error(`request to ${input instanceof Request ? input.url : String(input)} failed, reason: getaddrinfo ENOTFOUND api.dropboxapi.com`), { code: 'ENOTFOUND' });
    };
    for (const [fetchImpl, code] of [[closed, 'ECONNREFUSED'], [quoting, 'ENOTFOUND']] as const) {
      const p = new DropboxSignIn({ appKey: 'dbx-app-key' }, await TokenVault.open(dir), logger, fetchImpl);
      const internals = p as unknown as { refresh(token: string): Promise<unknown>; redeem(callback: URL, verifier: string, redirect: string): Promise<unknown> };
      const refresh = await internals.refresh('RT-SECRET-0123456789').then(() => undefined, (e: unknown) => e as Error);
      expect(refresh).to.be.instanceOf(TransientError);
      expect(refresh!.message).to.equal(`Dropbox could not be reached for the refresh (${code}).`);
      const signIn = await internals.redeem(new URL('http://127.0.0.1:47615/auth/callback?code=CODE-SECRET-42'), 'VERIFIER-SECRET-77', 'http://127.0.0.1:47615/auth/callback').then(() => undefined, (e: unknown) => e as Error);
      expect(signIn).to.be.instanceOf(TransientError);
      for (const text of [refresh!.message, signIn!.message, JSON.stringify(refresh), JSON.stringify(signIn)]) expect(text).not.to.match(/SECRET/);
    }
  });
});
