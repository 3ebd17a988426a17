import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { AuthError, ConfigError } from '@filing-sync/core';
import { BoxDouble, testCertificate, trustTestCertificate } from '@filing-sync/doubles';
import { createBoxCredentialProviderFactory, type BoxCredentialsConfig } from './box-credentials.js';
import { BoxSinkRetryStrategy } from './box-retry-strategy.js';
import { FileTokenStorage } from './box-token-file.js';
import { silentLogger } from '@filing-sync/conformance';


describe('Box credentials', function () {
  let double: BoxDouble;
  let dir: string;
  let factory: ReturnType<typeof createBoxCredentialProviderFactory>;
  const keys = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: 'key-passphrase' },
  });

  before(async () => {
    await trustTestCertificate();
    factory = createBoxCredentialProviderFactory({ agentOptions: { ca: [(await testCertificate()).cert] } });
  });

  beforeEach(async () => {
    double = await BoxDouble.start({ jwtPublicKey: keys.publicKey });
    dir = await mkdtemp(path.join(tmpdir(), 'box-credentials-'));
  });

  afterEach(async () => {
    await double.close();
    await rm(dir, { recursive: true, force: true });
  });

  const appConfig = (clientId = 'box-client-id') => JSON.stringify({
    boxAppSettings: { clientID: clientId, clientSecret: 'box-client-secret', appAuth: { publicKeyID: 'k1', privateKey: keys.privateKey, passphrase: 'key-passphrase' } },
    enterpriseID: '818181',
  });

  it('gets tokens with a JWT app config file, signed with the app\'s key', async () => {
    const file = path.join(dir, 'box-config.json');
    await writeFile(file, appConfig());
    const provider = factory.create({ method: 'jwt', configFile: file, baseUrl: double.url }, { logger: silentLogger(), stateDir: dir });
    const credential = await provider.get({ resource: 'box' });
    expect(credential.type).to.equal('bearer');
    if (credential.type === 'bearer') expect(double.accessTokens.has(credential.accessToken)).to.equal(true);
    expect(double.grants['urn:ietf:params:oauth:grant-type:jwt-bearer']).to.equal(1);
    // Cached until a minute before expiry; a refused token is replaced.
    await provider.get({ resource: 'box' });
    expect(double.grants['urn:ietf:params:oauth:grant-type:jwt-bearer']).to.equal(1);
    provider.invalidate({ resource: 'box' });
    await provider.get({ resource: 'box' });
    expect(double.grants['urn:ietf:params:oauth:grant-type:jwt-bearer']).to.equal(2);
  });

  it('rejects a JWT signed for another app with AuthError', async () => {
    const provider = factory.create({ method: 'jwt', configJson: appConfig('other-client'), baseUrl: double.url }, { logger: silentLogger(), stateDir: dir });
    await provider.get({ resource: 'box' }).then(() => expect.fail('expected AuthError'), (err: unknown) => expect(err).to.be.instanceOf(AuthError));
  });

  it('refuses a JWT section without a usable config, naming the key', () => {
    expect(() => factory.create({ method: 'jwt' } as BoxCredentialsConfig, { logger: silentLogger(), stateDir: dir })).to.throw(ConfigError, /credentials\.box\.configFile/);
    expect(() => factory.create({ method: 'jwt', configFile: path.join(dir, 'missing.json') }, { logger: silentLogger(), stateDir: dir })).to.throw(ConfigError, /readable Box app config/);
    expect(() => factory.create({ method: 'jwt', configJson: '{"boxAppSettings":{}}' }, { logger: silentLogger(), stateDir: dir })).to.throw(ConfigError, /credentials\.box\.configJson/);
  });

  it('acts as one managed user with CCG userId', async () => {
    const provider = factory.create({ method: 'ccg', clientId: 'box-client-id', clientSecret: 'box-client-secret', userId: '4242', baseUrl: double.url }, { logger: silentLogger(), stateDir: dir });
    await provider.get({ resource: 'box' });
    expect(double.tokenRequests).to.have.length(1);
    expect(double.tokenRequests[0]).to.include({ grant_type: 'client_credentials', box_subject_type: 'user', box_subject_id: '4242', client_id: 'box-client-id' });
  });
});

describe('Box OAuth tokens kept by a sign-in', function () {
  let double: BoxDouble;
  let dir: string;
  let factory: ReturnType<typeof createBoxCredentialProviderFactory>;

  before(async () => {
    await trustTestCertificate();
    factory = createBoxCredentialProviderFactory({ agentOptions: { ca: [(await testCertificate()).cert] } });
  });
  beforeEach(async () => {
    double = await BoxDouble.start();
    dir = await mkdtemp(path.join(tmpdir(), 'box-oauth-'));
  });
  afterEach(async () => {
    await double.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('works from a token file alone, and asks for a sign-in when there is none', async () => {
    const tokenFile = path.join(dir, 'tokens.json');
    const provider = factory.create({ method: 'oauth', clientId: 'box-client-id', clientSecret: 'box-client-secret', tokenFile, baseUrl: double.url }, { logger: silentLogger(), stateDir: dir });
    const err = await provider.get({ resource: 'box' }).then(() => undefined, (e: unknown) => e);
    expect(err).to.be.instanceOf(AuthError);
    expect((err as AuthError).action).to.match(/Sign in to Box/);
    // The sign-in stores its tokens; the provider picks them up and rotates from there.
    const first = double.issueRefreshToken();
    await new FileTokenStorage(tokenFile).store({ accessToken: double.issueAccessToken(), refreshToken: first, expiresIn: 3600 });
    const credential = await provider.get({ resource: 'box' });
    expect(credential.type).to.equal('bearer');
    expect(double.grants.refresh_token ?? 0).to.equal(0);
    provider.invalidate({ resource: 'box' });
    await provider.get({ resource: 'box' });
    expect(double.refreshTokens.has(first)).to.equal(false);
    expect(double.grants.refresh_token).to.equal(1);
  });
});

describe('Box retry strategy', () => {
  const strategy = new BoxSinkRetryStrategy(3);
  const options = {} as never;

  it('polls a 202 commit after the lower-cased retry-after the SDK hands it, a bounded number of times', async () => {
    const accepted = { status: 202, headers: { 'retry-after': '7' } } as never;
    expect(await strategy.shouldRetry(options, accepted, 1)).to.equal(true);
    expect(strategy.retryAfter(options, accepted, 1)).to.equal(7);
    expect(await strategy.shouldRetry(options, accepted, 4)).to.equal(false);
  });

  it('never retries throttling, server errors or network failures itself', async () => {
    for (const status of [429, 500, 503, 0]) {
      expect(await strategy.shouldRetry(options, { status, headers: { 'retry-after': '1' } } as never, 1), String(status)).to.equal(false);
    }
  });

  it('re-authenticates once after a 401', async () => {
    let refreshed = 0;
    const withAuth = { auth: { refreshToken: async () => void refreshed++ } } as never;
    expect(await strategy.shouldRetry(withAuth, { status: 401, headers: {} } as never, 1)).to.equal(true);
    expect(await strategy.shouldRetry(withAuth, { status: 401, headers: {} } as never, 2)).to.equal(false);
    expect(refreshed).to.equal(1);
  });
});
