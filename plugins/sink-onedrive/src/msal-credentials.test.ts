import { expect } from 'chai';
import { AuthError, ConfigError, TransientError, createLogger } from '@filing-sync/core';
import { makeClientCertificate, startGraphDouble, trustTestCertificate, type GraphDouble } from '@filing-sync/doubles';
import { TOKEN_THROTTLE_DEFAULT_MS, microsoftGraphCredentials } from './msal-credentials.js';

const logger = createLogger({ level: 'silent' });
const TENANT = 'fabrikam.onmicrosoft.com';
const request = { resource: 'microsoft-graph', scopes: ['https://graph.microsoft.com/.default'] };

describe('microsoft-graph credential provider (MSAL confidential client)', () => {
  let graph: GraphDouble;
  before(trustTestCertificate);
  beforeEach(async () => {
    graph = await startGraphDouble();
  });
  afterEach(() => graph.close());

  it('gets an app-only token with a client secret, and MSAL caches it', async () => {
    graph.identity.register({ tenantId: TENANT, clientId: 'app-secret', clientSecret: 's3cr3t' });
    const provider = microsoftGraphCredentials.create(
      { tenantId: TENANT, clientId: 'app-secret', clientSecret: 's3cr3t', authorityHost: graph.url },
      { logger, stateDir: '.' },
    );
    const first = await provider.get(request);
    const second = await provider.get(request);
    expect(first.type).to.equal('bearer');
    if (first.type !== 'bearer' || second.type !== 'bearer') return;
    expect(graph.identity.check(`Bearer ${first.accessToken}`)).to.equal('valid');
    expect(first.expiresAt!.getTime()).to.be.greaterThan(Date.now());
    expect(second.accessToken).to.equal(first.accessToken);
    expect(graph.identity.tokensIssued).to.equal(1);
    // MSAL asked only the double: its OpenID metadata and its token endpoint.
    expect(graph.http.requests.map((r) => r.url.split('?')[0])).to.deep.equal([
      `/${TENANT}/v2.0/.well-known/openid-configuration`,
      `/${TENANT}/oauth2/v2.0/token`,
    ]);
  });

  it('fetches a new token after invalidate', async () => {
    graph.identity.register({ tenantId: TENANT, clientId: 'app-secret', clientSecret: 's3cr3t' });
    const provider = microsoftGraphCredentials.create(
      { tenantId: TENANT, clientId: 'app-secret', clientSecret: 's3cr3t', authorityHost: graph.url },
      { logger, stateDir: '.' },
    );
    const first = await provider.get(request);
    provider.invalidate(request);
    const second = await provider.get(request);
    expect(graph.identity.tokensIssued).to.equal(2);
    expect(second.type === 'bearer' && first.type === 'bearer' && second.accessToken !== first.accessToken).to.equal(true);
  });

  it('authenticates with a certificate (signed client assertion)', async () => {
    const cert = await makeClientCertificate();
    graph.identity.register({ tenantId: TENANT, clientId: 'app-cert', certificatePem: cert.certificatePem });
    const provider = microsoftGraphCredentials.create(
      {
        tenantId: TENANT,
        clientId: 'app-cert',
        certificate: { thumbprintSha256: cert.thumbprintSha256, privateKey: cert.privateKeyPem },
        authorityHost: graph.url,
      },
      { logger, stateDir: '.' },
    );
    const credential = await provider.get(request);
    expect(credential.type === 'bearer' && graph.identity.check(`Bearer ${credential.accessToken}`)).to.equal('valid');
  });

  it('rejects a certificate the app registration does not hold with AuthError', async () => {
    const registered = await makeClientCertificate();
    const other = await makeClientCertificate();
    graph.identity.register({ tenantId: TENANT, clientId: 'app-cert', certificatePem: registered.certificatePem });
    const provider = microsoftGraphCredentials.create(
      { tenantId: TENANT, clientId: 'app-cert', certificate: { thumbprintSha256: other.thumbprintSha256, privateKey: other.privateKeyPem }, authorityHost: graph.url },
      { logger, stateDir: '.' },
    );
    const err = await provider.get(request).catch((e: unknown) => e);
    expect(err).to.be.instanceOf(AuthError);
  });

  it('rejects a wrong secret with AuthError that does not contain the secret', async () => {
    graph.identity.register({ tenantId: TENANT, clientId: 'app-secret', clientSecret: 'right' });
    const provider = microsoftGraphCredentials.create(
      { tenantId: TENANT, clientId: 'app-secret', clientSecret: 'wrong-secret-value', authorityHost: graph.url },
      { logger, stateDir: '.' },
    );
    const err = await provider.get(request).catch((e: unknown) => e);
    expect(err).to.be.instanceOf(AuthError);
    expect((err as Error).message).to.match(/app-secret/).and.not.to.contain('wrong-secret-value');
  });

  describe('throttled or unavailable', () => {
    const secretApp = () => {
      graph.identity.register({ tenantId: TENANT, clientId: 'app-secret', clientSecret: 's3cr3t' });
      return microsoftGraphCredentials.create(
        { tenantId: TENANT, clientId: 'app-secret', clientSecret: 's3cr3t', authorityHost: graph.url },
        { logger, stateDir: '.' },
      );
    };
    const tokenRequests = () => graph.http.requests.filter((r) => r.method === 'POST' && r.url.includes('/oauth2/v2.0/token')).length;

    it('gives TransientError with Retry-After for a 429, not AuthError, and the same while MSAL holds requests back', async () => {
      const provider = secretApp();
      graph.http.faults.script({ kind: '429', match: /oauth2\/v2\.0\/token/, retryAfterSeconds: 7 });
      const err = await provider.get(request).catch((e: unknown) => e);
      expect(err).to.be.instanceOf(TransientError);
      expect((err as TransientError).retryAfterMs).to.equal(7000);
      expect((err as Error).message).to.match(/throttling token requests for app app-secret/);

      // MSAL now refuses the same request itself, without a status: still passing, with the time left.
      const again = await provider.get(request).catch((e: unknown) => e);
      expect(again).to.be.instanceOf(TransientError);
      expect((again as TransientError).retryAfterMs).to.be.greaterThan(0).and.at.most(7000);
      expect(tokenRequests()).to.equal(1);
      expect(graph.identity.tokensIssued).to.equal(0);
    });

    it('waits the documented 60 s after a 503 without Retry-After', async () => {
      const provider = secretApp();
      graph.scriptError({ match: /oauth2\/v2\.0\/token/, status: 503, code: 'temporarily_unavailable', message: 'The service is temporarily unavailable.' });
      const err = await provider.get(request).catch((e: unknown) => e);
      expect(err).to.be.instanceOf(TransientError);
      expect((err as TransientError).retryAfterMs).to.equal(TOKEN_THROTTLE_DEFAULT_MS).and.equal(60_000);
    });

    it('reads Retry-After of a 429 whose body is not JSON', async () => {
      const provider = secretApp();
      graph.scriptError({ match: /oauth2\/v2\.0\/token/, status: 429, code: '', noBody: true, headers: { 'retry-after': '5' } });
      const err = await provider.get(request).catch((e: unknown) => e);
      expect(err).to.be.instanceOf(TransientError);
      expect((err as TransientError).retryAfterMs).to.equal(5000);
    });
  });

  it('gives TransientError when the identity platform cannot be reached', async () => {
    const provider = microsoftGraphCredentials.create(
      { tenantId: TENANT, clientId: 'x', clientSecret: 'y', authorityHost: 'https://127.0.0.1:1' },
      { logger, stateDir: '.' },
    );
    const err = await provider.get(request).catch((e: unknown) => e);
    expect(err).to.be.instanceOf(TransientError);
  });

  it('refuses a config without exactly one of secret and certificate, naming the keys', () => {
    expect(() => microsoftGraphCredentials.create({ tenantId: '', clientId: 'x' } as never, { logger, stateDir: '.' }))
      .to.throw(ConfigError)
      .with.property('message')
      .that.matches(/credentials\.microsoft-graph\.tenantId/)
      .and.matches(/exactly one of clientSecret and certificate/);
  });
});
