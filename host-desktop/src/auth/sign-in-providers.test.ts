import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { Writable } from 'node:stream';
import { AuthError, createLogger } from '@filing-sync/core';
import { BoxDouble, GraphDouble, startEgnyteDouble, trustTestCertificate, type EgnyteDouble } from '@filing-sync/doubles';
import { MicrosoftSignIn } from './microsoft-sign-in.js';
import { BOX_SIGN_IN, EGNYTE_SIGN_IN, OAuthCodeProvider } from './oauth-code-provider.js';
import { SignIns } from './sign-ins.js';
import { TokenVault } from './token-vault.js';

const logger = createLogger({ level: 'fatal', destination: new Writable({ write: (_c, _e, cb) => cb() }) });
const REDIRECT = 'http://127.0.0.1:47615/auth/callback';

/** Follows the authorize redirect the way the browser would, returning the loopback callback URL. */
async function authorize(url: string): Promise<URL> {
  const res = await fetch(url, { redirect: 'manual' });
  expect(res.status, await res.clone().text()).to.equal(302);
  return new URL(res.headers.get('location')!);
}

describe('interactive sign-in providers against the API doubles', function () {
  let dir: string;
  let vault: TokenVault;
  before(async () => trustTestCertificate());
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'fs-signin-'));
    vault = await TokenVault.open(dir);
  });
  afterEach(async () => rm(dir, { recursive: true, force: true }));

  describe('Microsoft (MSAL public client)', () => {
    let graph: GraphDouble;
    const clientId = 'desktop-app';
    before(async () => {
      graph = await GraphDouble.start();
      graph.identity.register({ tenantId: 'organizations', clientId });
    });
    after(async () => graph?.close());
    const provider = () => new MicrosoftSignIn({ clientId, tenantId: 'organizations', authorityHost: graph.url, scopes: ['Files.ReadWrite.All'] }, vault, logger);

    it('completes the PKCE round trip through the registry, checking state once, and hands out delegated Graph tokens', async () => {
      const signIns = new SignIns(vault);
      signIns.factories[0]!.create({ clientId, tenantId: 'organizations', authorityHost: graph.url, scopes: ['Files.ReadWrite.All'] }, { logger, stateDir: dir });
      const url = new URL(await signIns.begin('microsoft-user', REDIRECT));
      expect(url.searchParams.get('code_challenge_method')).to.equal('S256');
      expect(url.searchParams.get('code_challenge')).to.match(/^[A-Za-z0-9_-]{43}$/);
      const back = await authorize(url.href);
      expect(back.searchParams.get('state')).to.equal(url.searchParams.get('state'));
      const account = await signIns.complete(back);
      expect(account).to.include({ signedIn: true, user: 'dana@contoso.example' });
      // The same redirect again (a replay) is refused: the state was used.
      await signIns.complete(back).then(
        () => expect.fail('a replayed state was accepted'),
        (err: unknown) => expect(err).to.be.instanceOf(AuthError),
      );
      expect((await signIns.accounts()).find((a) => a.name === 'microsoft-user')).to.include({ signedIn: true });
      // A fresh provider (the next start) finds the sign-in in the vault.
      const credential = await provider().get({ resource: 'microsoft-graph' });
      expect(credential.type).to.equal('bearer');
      expect(graph.identity.check(`Bearer ${(credential as { accessToken: string }).accessToken}`)).to.equal('delegated');
    });

    it('is refused by the identity platform when the verifier does not match the challenge', async () => {
      const p = provider();
      const start = await p.startSignIn(REDIRECT, 'state-1');
      const back = await authorize(start.url);
      const err = await p.finishSignIn(back, `${start.codeVerifier.slice(0, -3)}abc`, REDIRECT).then(() => undefined, (e: unknown) => e);
      expect(err).to.be.instanceOf(AuthError);
      expect((err as Error).message).to.match(/AADSTS501481|Code_Verifier/);
      expect((await p.status()).signedIn).to.equal(false);
    });

    it('stores the rotated refresh token on every refresh, so the spent one is never used again', async () => {
      const p = provider();
      const start = await p.startSignIn(REDIRECT, 'state-2');
      await p.finishSignIn(await authorize(start.url), start.codeVerifier, REDIRECT);
      const refreshTokens = async () => Object.values((JSON.parse((await vault.get('microsoft-user'))!) as { RefreshToken: Record<string, { secret: string }> }).RefreshToken).map((t) => t.secret);
      const [first] = await refreshTokens();
      const before = graph.identity.userSignIn.refreshes;
      p.invalidate();
      await p.get({ resource: 'microsoft-graph' });
      expect(graph.identity.userSignIn.refreshes).to.equal(before + 1);
      const [second] = await refreshTokens();
      expect(second).to.be.a('string').and.not.equal(first);
      // A new process (fresh MSAL, same vault) refreshes with the stored, rotated token.
      const again = provider();
      again.invalidate();
      await again.get({ resource: 'microsoft-graph' });
      expect(graph.identity.userSignIn.refreshes).to.equal(before + 2);
      // Signed out: nothing is left and the sinks are told to sign in again.
      await again.signOut();
      expect(await vault.get('microsoft-user')).to.equal(undefined);
      await again.get({ resource: 'microsoft-graph' }).then(() => expect.fail('no sign-in, yet a token'), (e: unknown) => expect(e).to.be.instanceOf(AuthError));
    });
  });

  it('Microsoft: a sign-out while a refresh is under way stays signed out, in the vault and in memory', async () => {
    // Every answer of this identity platform takes 300 ms: the refresh is still on its way when the user signs out.
    const slow = await GraphDouble.start({ latencyMs: 300 });
    try {
      const clientId = 'desktop-app';
      slow.identity.register({ tenantId: 'organizations', clientId });
      const p = new MicrosoftSignIn({ clientId, tenantId: 'organizations', authorityHost: slow.url, scopes: ['Files.ReadWrite.All'] }, vault, logger);
      const start = await p.startSignIn(REDIRECT, 'state-slow');
      await p.finishSignIn(await authorize(start.url), start.codeVerifier, REDIRECT);
      p.invalidate();
      const refreshed = p.get({ resource: 'microsoft-graph' });
      await new Promise((r) => setTimeout(r, 50));
      await p.signOut();
      // The refresh asked for before the sign-out may end either way; what it brings back must not stay.
      await refreshed.catch(() => undefined);
      expect(await vault.get('microsoft-user')).to.equal(undefined);
      expect((await p.status()).signedIn).to.equal(false);
      await p.get({ resource: 'microsoft-graph' }).then(() => expect.fail('signed out, yet a token'), (e: unknown) => expect(e).to.be.instanceOf(AuthError));
    } finally {
      await slow.close();
    }
  });

  describe('Box (openid-client, single-use refresh tokens)', () => {
    let box: BoxDouble;
    before(async () => {
      box = await BoxDouble.start();
    });
    after(async () => box?.close());
    const provider = () =>
      new OAuthCodeProvider(
        BOX_SIGN_IN,
        { clientId: 'box-client-id', clientSecret: 'box-client-secret', authorizationEndpoint: `${box.url}/authorize`, tokenEndpoint: `${box.url}/oauth2/token`, userInfoUrl: `${box.url}/2.0/users/me` },
        vault,
        logger,
      );

    it('refreshes with the stored refresh token and stores the new one before the old one is spent', async () => {
      const rt = box.issueRefreshToken();
      await vault.set('box-user', JSON.stringify({ accessToken: 'expired', refreshToken: rt, expiresAt: 0, user: 'dana@example.com' }));
      const p = provider();
      const c1 = await p.get({ resource: 'box' });
      expect(c1).to.include({ type: 'bearer', account: 'dana@example.com' });
      const stored1 = JSON.parse((await vault.get('box-user'))!) as { refreshToken: string; accessToken: string };
      expect(stored1.refreshToken).not.to.equal(rt);
      expect(box.refreshTokens.has(rt)).to.equal(false);
      expect(box.refreshTokens.has(stored1.refreshToken)).to.equal(true);
      // Two requests at once refresh once: a single-use token is not presented twice.
      p.invalidate();
      await Promise.all([p.get({ resource: 'box' }), p.get({ resource: 'box' })]);
      const stored2 = JSON.parse((await vault.get('box-user'))!) as { refreshToken: string };
      expect(stored2.refreshToken).not.to.equal(stored1.refreshToken);
      expect(box.refreshTokens.has(stored2.refreshToken)).to.equal(true);
    });

    it('asks the user to sign in again when the refresh token is refused, and forgets it', async () => {
      await vault.set('box-user', JSON.stringify({ accessToken: 'expired', refreshToken: 'box-rt-revoked', expiresAt: 0 }));
      const p = provider();
      const err = await p.get({ resource: 'box' }).then(() => undefined, (e: unknown) => e);
      expect(err).to.be.instanceOf(AuthError);
      expect((err as AuthError).action).to.match(/sign in to Box again/);
      expect(await vault.get('box-user')).to.equal(undefined);
      expect((await p.status()).problem).to.match(/invalid_grant/);
    });

    it('builds an authorisation URL with PKCE S256 and the state', async () => {
      const start = await provider().startSignIn(REDIRECT, 'the-state');
      const url = new URL(start.url);
      expect(url.origin + url.pathname).to.equal(`${box.url}/authorize`);
      expect(Object.fromEntries(url.searchParams)).to.include({ client_id: 'box-client-id', redirect_uri: REDIRECT, response_type: 'code', state: 'the-state', code_challenge_method: 'S256' });
    });
  });

  describe('Egnyte (openid-client, tokens that do not expire)', () => {
    let egnyte: EgnyteDouble;
    before(async () => {
      egnyte = await startEgnyteDouble({ clientId: 'egnyte-key' });
    });
    after(async () => egnyte?.close());

    it('redeems the code of the redirect with its state, names the user, and uses the token without refreshing', async () => {
      const p = new OAuthCodeProvider(
        EGNYTE_SIGN_IN,
        { clientId: 'egnyte-key', domain: 'acme', authorizationEndpoint: `${egnyte.url}/puboauth/token`, tokenEndpoint: `${egnyte.url}/puboauth/token`, userInfoUrl: `${egnyte.url}/pubapi/v1/userinfo` },
        vault,
        logger,
      );
      const start = await p.startSignIn(REDIRECT, 'egnyte-state');
      const callback = new URL(REDIRECT);
      callback.searchParams.set('code', egnyte.issueCode('dana', REDIRECT));
      callback.searchParams.set('state', 'forged');
      // openid-client checks the state too.
      await p.finishSignIn(callback, start.codeVerifier, REDIRECT, 'egnyte-state').then(() => expect.fail('a foreign state was accepted'), () => {});
      callback.searchParams.set('code', egnyte.issueCode('dana', REDIRECT));
      callback.searchParams.set('state', 'egnyte-state');
      await p.finishSignIn(callback, start.codeVerifier, REDIRECT, 'egnyte-state');
      const status = await p.status();
      expect(status).to.include({ signedIn: true, user: 'dana' });
      expect(status.expiresAt).to.equal(undefined);
      const c = await p.get({ resource: 'egnyte', account: 'acme' });
      expect(c.type).to.equal('bearer');
      expect((c as { accessToken: string }).accessToken).to.match(/^pw-/);
    });

    it('refuses a section without the Egnyte domain, naming the key', () => {
      expect(() => new OAuthCodeProvider(EGNYTE_SIGN_IN, { clientId: 'x' }, vault, logger)).to.throw(/credentials\.egnyte-user\.domain/);
    });
  });
});
