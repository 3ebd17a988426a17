import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { container as rootContainer } from 'tsyringe';
import {
  AuthError,
  BufferContent,
  ConfigError,
  type CredentialBroker,
  type CredentialProvider,
  CredentialProviderFactory,
  PermanentError,
  PermissionDenied,
  type Sink,
  SinkFactory,
  TransientError,
  placeFile,
} from '@filing-sync/core';
import { BoxDouble, testCertificate, trustTestCertificate } from '@filing-sync/doubles';
import { boxCredentialProviderFactory, createBoxCredentialProviderFactory, type BoxCredentialsConfig } from './box-credentials.js';
import { boxSinkFactory, createBoxSinkFactory } from './box-sink-factory.js';
import type { BoxSinkConfig } from './box-config.js';
import { register } from './index.js';
import { silentLogger } from '@filing-sync/conformance';

const MiB = 1024 * 1024;
const SENT = new Date('2026-11-28T14:46:13Z');

function bytes(size: number, seed = 1): Buffer {
  const b = Buffer.alloc(size);
  for (let i = 0; i < size; i++) b[i] = (i * 131 + seed * 7 + (i >>> 10)) & 0xff;
  return b;
}

const sha1 = (b: Buffer): string => createHash('sha1').update(b).digest('hex');

async function expectRejection<T extends Error>(p: Promise<unknown>, type: new (...a: never[]) => T): Promise<T> {
  try {
    await p;
  } catch (err) {
    expect(err).to.be.instanceOf(type);
    return err as T;
  }
  throw new Error(`expected a ${type.name}`);
}

describe('Box sink against the Box API double', function () {
  let double: BoxDouble;
  let stateDir: string;
  let provider: CredentialProvider;

  // The SDK's HTTPS agent is its own: it gets the run's certificate through the transport options.
  let sinkFactory: typeof boxSinkFactory;
  let credentialFactory: typeof boxCredentialProviderFactory;

  before(async () => {
    await trustTestCertificate();
    // Only the double's certificate: building a context from every root certificate costs ~0.1 s per connection.
    const transport = { agentOptions: { ca: [(await testCertificate()).cert] } };
    sinkFactory = createBoxSinkFactory(transport);
    credentialFactory = createBoxCredentialProviderFactory(transport);
  });

  beforeEach(async () => {
    double = await BoxDouble.start();
    stateDir = await mkdtemp(path.join(tmpdir(), 'box-sink-'));
    provider = makeProvider({ method: 'ccg', clientId: 'box-client-id', clientSecret: 'box-client-secret', enterpriseId: '818181' });
  });

  afterEach(async () => {
    await double.close();
    await rm(stateDir, { recursive: true, force: true });
  });

  function makeProvider(config: BoxCredentialsConfig): CredentialProvider {
    return credentialFactory.create({ ...config, baseUrl: double.url } as BoxCredentialsConfig, { logger: silentLogger(), stateDir });
  }

  function broker(): CredentialBroker {
    return { get: (r) => provider.get(r), invalidate: (r) => provider.invalidate(r) };
  }

  function sinkFor(target: string, config: BoxSinkConfig = {}): Promise<Sink> {
    return sinkFactory.create(new URL(target), { baseUrl: double.url, ...config }, { credentials: broker(), logger: silentLogger() });
  }

  const requests = (method: string, pattern: RegExp) => double.server.requests.filter((r) => r.method === method && pattern.test(r.url.split('?')[0]!));

  it('creates folders level by level, preflights, and uploads a small file with its SHA-1 and sent time', async () => {
    const sink = await sinkFor('box:/Projects/Surrey Court');
    const data = Buffer.from('From: a@example.com\r\nSubject: Site visit\r\n\r\nHello\r\n');
    const result = await sink.create('20261128T144613Z Site visit.eml', new BufferContent(data), { modifiedAt: SENT });
    expect(result.created).to.equal(true);
    const stored = double.fileAt('/Projects/Surrey Court/20261128T144613Z Site visit.eml')!;
    expect(stored.content.equals(data)).to.equal(true);
    expect(stored.contentModifiedAt).to.equal('2026-11-28T14:46:13+00:00');
    if (result.created) {
      expect(result.entry.hash).to.equal(sha1(data));
      expect(result.entry.path).to.equal('box:/Projects/Surrey Court/20261128T144613Z Site visit.eml');
    }
    expect(requests('POST', /^\/2\.0\/folders$/)).to.have.length(2);
    expect(requests('OPTIONS', /^\/2\.0\/files\/content$/)).to.have.length(1);
    const upload = requests('POST', /^\/api\/2\.0\/files\/content$/);
    expect(upload).to.have.length(1);
    expect(upload[0]!.headers['content-md5']).to.equal(sha1(data));
    expect(double.grants.client_credentials).to.equal(1);
    // The folder ids are cached: a second file creates no folder.
    await sink.create('second.eml', new BufferContent(Buffer.from('2')), { modifiedAt: SENT });
    expect(requests('POST', /^\/2\.0\/folders$/)).to.have.length(2);
  });

  it('resolves an existing folder from the 409 item_name_in_use of its creation', async () => {
    const projects = double.addFolder('0', 'Projects');
    const sink = await sinkFor('box:/projects/New');
    await sink.create('a.eml', new BufferContent(Buffer.from('a')), { modifiedAt: SENT });
    const created = double.folderAt('/Projects/New')!;
    expect(created.parentId).to.equal(projects.id);
    expect([...double.folders.values()].filter((f) => f.name.toLowerCase() === 'projects')).to.have.length(1);
    expect(double.fileAt('/Projects/New/a.eml')).to.not.equal(undefined);
  });

  it('reports a taken name from the preflight as {created: false} with the existing SHA-1', async () => {
    const folder = double.addFolder(double.addFolder('0', 'Projects').id, 'A');
    const original = Buffer.from('original');
    double.addFile(folder.id, 'Report.eml', original);
    const sink = await sinkFor('box:/Projects/A');
    const same = await sink.create('report.EML', new BufferContent(original), { modifiedAt: SENT });
    expect(same.created).to.equal(false);
    if (!same.created) expect(same.existing).to.include({ hash: sha1(original), size: original.length, name: 'Report.eml' });
    const other = await sink.create('Report.eml', new BufferContent(Buffer.from('different')), { modifiedAt: SENT });
    expect(other.created).to.equal(false);
    expect(requests('POST', /^\/api\/2\.0\/files\/content$/)).to.have.length(0);
    expect(double.fileAt('/Projects/A/Report.eml')!.content.equals(original)).to.equal(true);
    expect(await sink.stat('REPORT.eml')).to.include({ hash: sha1(original) });
    expect(await sink.stat('none.eml')).to.equal(undefined);
  });

  it('sends a 25 MiB file through a chunked session with SHA-1 digests per part and for the file', async () => {
    const sink = await sinkFor('box:/Projects/Big');
    expect(sink.capabilities.largeUploadThreshold).to.equal(20_000_000);
    const data = bytes(25 * MiB);
    const result = await sink.create('big.eml', new BufferContent(data), { modifiedAt: SENT });
    expect(result.created).to.equal(true);
    const stored = double.fileAt('/Projects/Big/big.eml')!;
    expect(stored.content.equals(data)).to.equal(true);
    expect(stored.contentModifiedAt).to.equal('2026-11-28T14:46:13+00:00');
    const parts = requests('PUT', /upload_sessions\/[^/]+$/);
    expect(parts).to.have.length(4);
    expect(parts[0]!.headers.digest).to.equal(`sha=${createHash('sha1').update(data.subarray(0, 8 * MiB)).digest('base64')}`);
    expect(parts[3]!.headers['content-range']).to.equal(`bytes ${24 * MiB}-${25 * MiB - 1}/${25 * MiB}`);
    const commit = requests('POST', /upload_sessions\/[^/]+\/commit$/);
    expect(commit).to.have.length(1);
    expect(commit[0]!.headers.digest).to.equal(`sha=${createHash('sha1').update(data).digest('base64')}`);
    expect(requests('POST', /^\/api\/2\.0\/files\/content$/)).to.have.length(0);
  });

  it('polls a commit that answers 202 with Retry-After until the file is ready', async () => {
    const sink = await sinkFor('box:/Projects/Later');
    double.commitsPending = 2;
    double.commitRetryAfter = 0;
    const data = bytes(21_000_000, 2);
    expect((await sink.create('later.eml', new BufferContent(data), { modifiedAt: SENT })).created).to.equal(true);
    expect(requests('POST', /upload_sessions\/[^/]+\/commit$/)).to.have.length(3);
    expect(double.fileAt('/Projects/Later/later.eml')!.content.equals(data)).to.equal(true);
  });

  it('resumes an interrupted session: a reset part is sent again, a part whose reply was lost is found in the parts list', async () => {
    const sink = await sinkFor('box:/Projects/Resume');
    const data = bytes(25 * MiB, 3);
    double.server.faults.script({ kind: 'reset', match: /^PUT \/api\/2\.0\/files\/upload_sessions\// });
    double.loseNextResponse(/^PUT \/api\/2\.0\/files\/upload_sessions\//);
    double.server.faults.script({ kind: '503', match: /\/commit/, retryAfterSeconds: 0 });
    expect((await sink.create('resumed.eml', new BufferContent(data), { modifiedAt: SENT })).created).to.equal(true);
    expect(double.fileAt('/Projects/Resume/resumed.eml')!.content.equals(data)).to.equal(true);
    expect(double.server.faults.injected.reset).to.equal(1);
    expect(double.server.faults.injected['503']).to.equal(1);
    expect(requests('GET', /upload_sessions\/[^/]+\/parts$/)).to.have.length(1);
    expect(double.sessions.size).to.equal(0);
  });

  it('recognises its own file when the commit\'s reply was lost', async () => {
    const sink = await sinkFor('box:/Projects/Lost');
    const data = bytes(21_000_000, 4);
    double.loseNextResponse(/^POST \/api\/2\.0\/files\/upload_sessions\/[^/]+\/commit$/);
    const result = await sink.create('lost.eml', new BufferContent(data), { modifiedAt: SENT });
    expect(result.created).to.equal(true);
    if (result.created) expect(result.entry.hash).to.equal(sha1(data));
    expect(requests('POST', /upload_sessions\/[^/]+\/commit$/)).to.have.length(2);
    expect(double.list('/Projects/Lost')).to.deep.equal(['lost.eml']);
  });

  it('answers an expired session with TransientError at once, and a new session next time', async () => {
    const sink = await sinkFor('box:/Projects/Expired');
    const data = bytes(21_000_000, 5);
    double.expireNextSession();
    const err = await expectRejection(sink.create('e.eml', new BufferContent(data), { modifiedAt: SENT }), TransientError);
    expect(err.message).to.contain('upload session');
    expect(requests('PUT', /upload_sessions\/[^/]+$/)).to.have.length(1);
    expect((await sink.create('e.eml', new BufferContent(data), { modifiedAt: SENT })).created).to.equal(true);
  });

  for (const code of ['session_expired', 'upload_failed'] as const) {
    it(`answers a session Box ends with 410 ${code} with TransientError at once (not TargetMissing), and a new session next time`, async () => {
      const sink = await sinkFor('box:/Projects/Gone');
      const data = bytes(21_000_000, 7);
      double.failNextSession(code, 1);
      const err = await expectRejection(sink.create('g.eml', new BufferContent(data), { modifiedAt: SENT }), TransientError);
      expect(err.message).to.contain('upload session').and.to.contain('expired').and.to.contain(code);
      expect(err.action).to.contain('new upload session');
      // The second part met the 410 and was not sent again on the dead session.
      const first = requests('POST', /^\/api\/2\.0\/files\/upload_sessions$/);
      expect(first).to.have.length(1);
      expect(requests('PUT', /upload_sessions\/[^/]+$/)).to.have.length(2);
      const deadId = requests('PUT', /upload_sessions\/[^/]+$/)[0]!.url.split('?')[0]!.split('/').pop()!;
      // The engine's next attempt opens a new session and never touches the dead one.
      const placed = await sink.create('g.eml', new BufferContent(data), { modifiedAt: SENT });
      expect(placed.created).to.equal(true);
      expect(requests('POST', /^\/api\/2\.0\/files\/upload_sessions$/)).to.have.length(2);
      expect(requests('PUT', /upload_sessions\/[^/]+$/).filter((r) => r.url.includes(deadId))).to.have.length(2);
      expect(requests('PUT', /upload_sessions\/[^/]+$/)).to.have.length(5);
      expect(double.fileAt('/Projects/Gone/g.eml')!.content.equals(data)).to.equal(true);
    });
  }

  it('aborts the session when a part cannot be sent', async () => {
    const sink = await sinkFor('box:/Projects/Abort');
    for (let i = 0; i < 4; i++) double.server.faults.script({ kind: '503', match: /^PUT \/api\/2\.0\/files\/upload_sessions\//, retryAfterSeconds: 0 });
    await expectRejection(sink.create('a.eml', new BufferContent(bytes(21_000_000)), { modifiedAt: SENT }), TransientError);
    expect(requests('DELETE', /upload_sessions\/[^/]+$/)).to.have.length(1);
    expect(double.sessions.size).to.equal(0);
    expect(double.fileAt('/Projects/Abort/a.eml')).to.equal(undefined);
  });

  it('returns throttling at once as TransientError with the Retry-After the SDK would have missed', async () => {
    const sink = await sinkFor('box:/Projects/Busy');
    await sink.check();
    double.server.faults.script({ kind: '429', match: /^OPTIONS /, retryAfterSeconds: 5 });
    const err = await expectRejection(sink.create('a.eml', new BufferContent(Buffer.from('a')), { modifiedAt: SENT }), TransientError);
    expect(err.retryAfterMs).to.equal(5000);
    expect(requests('OPTIONS', /files\/content/)).to.have.length(1);
    double.server.faults.script({ kind: 'reset', match: /^POST \/api\/2\.0\/files\/content/ });
    await expectRejection(sink.create('a.eml', new BufferContent(Buffer.from('a')), { modifiedAt: SENT }), TransientError);
    expect(double.fileAt('/Projects/Busy/a.eml')).to.equal(undefined);
  });

  it('maps a read-only folder to PermissionDenied and check() to denied', async () => {
    const projects = double.addFolder('0', 'Projects');
    double.addFolder(projects.id, 'Locked', true);
    const sink = await sinkFor('box:/Projects/Locked');
    expect(await sink.check()).to.equal('denied');
    await expectRejection(sink.create('a.eml', new BufferContent(Buffer.from('a')), { modifiedAt: SENT }), PermissionDenied);
    const below = await sinkFor('box:/Projects/Locked/Sub');
    expect(await below.check()).to.equal('denied');
    expect(await (await sinkFor('box:/Projects/Open')).check()).to.equal('writable');
  });

  it('uses an existing writable folder below one the account may only view (creating it there answers 403)', async () => {
    const locked = double.addFolder(double.addFolder('0', 'Projects').id, 'Locked', true);
    // A collaboration of its own on the sub-folder: uploads allowed there.
    const open = double.addFolder(locked.id, 'Surrey Court');
    const sink = await sinkFor('box:/Projects/Locked/surrey court');
    expect(await sink.check()).to.equal('writable');
    expect((await sink.create('a.eml', new BufferContent(Buffer.from('a')), { modifiedAt: SENT })).created).to.equal(true);
    expect(double.list('/Projects/Locked/Surrey Court')).to.deep.equal(['a.eml']);
    expect([...double.folders.values()].filter((f) => f.parentId === locked.id).map((f) => f.id)).to.deep.equal([open.id]);
    // A level that is missing there still cannot be made: denied, and writing is PermissionDenied.
    const missing = await sinkFor('box:/Projects/Locked/New');
    expect(await missing.check()).to.equal('denied');
    await expectRejection(missing.create('a.eml', new BufferContent(Buffer.from('a')), { modifiedAt: SENT }), PermissionDenied);
  });

  it('looks items up in a read-only folder larger than offset paging reaches, with marker paging', async () => {
    await double.close();
    double = await BoxDouble.start({ maxListingOffset: 1000 });
    provider = makeProvider({ method: 'ccg', clientId: 'box-client-id', clientSecret: 'box-client-secret', enterpriseId: '818181' });
    const locked = double.addFolder(double.addFolder('0', 'Projects').id, 'Locked', true);
    // Listings give folders first: the wanted folder is on the third page, after the others.
    for (let i = 0; i < 2500; i++) double.addFolder(locked.id, `Job ${i}`);
    double.addFolder(locked.id, 'Surrey Court');
    for (let i = 0; i < 2500; i++) double.addFile(locked.id, `old ${i}.eml`, Buffer.from(String(i)));
    const report = double.addFile(locked.id, 'Report.eml', Buffer.from('report'));
    // A folder below the read-only one: creating it answers 403, so it is found in the listing.
    const below = await sinkFor('box:/Projects/Locked/surrey court');
    expect(await below.check()).to.equal('writable');
    // A file in the read-only folder: its preflight answers 403, so it too is found in the listing.
    const entry = await (await sinkFor('box:/Projects/Locked')).stat('report.EML');
    expect(entry?.name).to.equal('Report.eml');
    expect(entry?.hash).to.equal(report.sha1);
    expect(await (await sinkFor('box:/Projects/Locked')).stat('absent.eml')).to.equal(undefined);
    expect(double.listings.length).to.be.greaterThan(3);
    expect(double.listings.every((l) => l.paging === 'marker')).to.equal(true);
  });

  it('answers a name Box holds for a concurrent upload (409 name_temporarily_reserved) with TransientError, then finds that upload\'s file', async () => {
    const folder = double.addFolder(double.addFolder('0', 'Projects').id, 'Busy');
    const data = Buffer.from('From: a@example.com\r\nSubject: Twice\r\n\r\nbody\r\n');
    const sink = await sinkFor('box:/Projects/Busy');
    double.reserveName(folder.id, 'Twice.eml');
    const err = await expectRejection(sink.create('Twice.eml', new BufferContent(data), { modifiedAt: SENT }), TransientError);
    expect(err.message).to.contain('name_temporarily_reserved');
    expect(double.list('/Projects/Busy')).to.deep.equal([]);
    // The other upload (the same message) finishes; the engine's next attempt finds it identical.
    double.releaseName(folder.id, 'Twice.eml');
    double.addFile(folder.id, 'Twice.eml', data);
    const placed = await placeFile(sink, 'Twice.eml', new BufferContent(data), { modifiedAt: SENT });
    expect(placed.outcome).to.equal('identical');
    expect(double.list('/Projects/Busy')).to.deep.equal(['Twice.eml']);
  });

  it('commits again after a parts_mismatch right after the last part, within the session; a lasting one aborts it as TransientError', async () => {
    const sink = await sinkFor('box:/Projects/Settling');
    const data = bytes(21_000_000, 6);
    double.commitsMismatched = 1;
    expect((await sink.create('settling.eml', new BufferContent(data), { modifiedAt: SENT })).created).to.equal(true);
    expect(requests('POST', /^\/api\/2\.0\/files\/upload_sessions$/)).to.have.length(1);
    expect(requests('POST', /upload_sessions\/[^/]+\/commit$/)).to.have.length(2);
    expect(double.fileAt('/Projects/Settling/settling.eml')!.content.equals(data)).to.equal(true);
    // Still mismatched after the session's tries: the session is aborted and the engine retries the filing.
    double.commitsMismatched = 4;
    const err = await expectRejection(sink.create('lasting.eml', new BufferContent(data), { modifiedAt: SENT }), TransientError);
    expect(err.message).to.contain('parts_mismatch');
    expect(requests('DELETE', /upload_sessions\/[^/]+$/)).to.have.length(1);
    expect(double.sessions.size).to.equal(0);
    expect((await sink.create('lasting.eml', new BufferContent(data), { modifiedAt: SENT })).created).to.equal(true);
  });

  it('maps the account file size limit to PermanentError', async () => {
    await double.close();
    double = await BoxDouble.start({ maxFileSize: 100 });
    provider = makeProvider({ method: 'ccg', clientId: 'box-client-id', clientSecret: 'box-client-secret', enterpriseId: '818181' });
    const sink = await sinkFor('box:/Projects/Limit');
    const err = await expectRejection(sink.create('a.eml', new BufferContent(bytes(101)), { modifiedAt: SENT }), PermanentError);
    expect(err.message).to.contain('file_size_limit_exceeded');
  });

  it('re-authenticates once after a 401 and goes on', async () => {
    const sink = await sinkFor('box:/Projects/Tokens');
    await sink.create('a.eml', new BufferContent(Buffer.from('a')), { modifiedAt: SENT });
    double.expireAccessTokens();
    expect((await sink.create('b.eml', new BufferContent(Buffer.from('b')), { modifiedAt: SENT })).created).to.equal(true);
    expect(double.grants.client_credentials).to.equal(2);
  });

  it('rejects with AuthError when Box refuses the client credentials, without the secret in the message', async () => {
    provider = makeProvider({ method: 'ccg', clientId: 'box-client-id', clientSecret: 'wrong-SECRET-9', enterpriseId: '818181' });
    const sink = await sinkFor('box:/Projects/Tokens');
    const err = await expectRejection(sink.create('a.eml', new BufferContent(Buffer.from('a')), { modifiedAt: SENT }), AuthError);
    expect(err.message).to.contain('invalid_client');
    expect(err.message).to.not.contain('wrong-SECRET-9');
  });

  it('rotates single-use OAuth refresh tokens, keeping each new one in the token file', async () => {
    const first = double.issueRefreshToken();
    const config = { method: 'oauth', clientId: 'box-client-id', clientSecret: 'box-client-secret', refreshToken: first } as const;
    provider = makeProvider(config);
    const sink = await sinkFor('box:/Projects/OAuth');
    await sink.create('a.eml', new BufferContent(Buffer.from('a')), { modifiedAt: SENT });
    expect(double.refreshTokens.has(first)).to.equal(false);
    const file = path.join(stateDir, 'box-oauth-tokens.json');
    const second = (JSON.parse(await readFile(file, 'utf8')) as { refreshToken: string }).refreshToken;
    expect(second).to.not.equal(first);
    expect(double.refreshTokens.has(second)).to.equal(true);
    // Box refuses the access token: one re-authentication spends the second refresh token.
    double.expireAccessTokens();
    await sink.create('b.eml', new BufferContent(Buffer.from('b')), { modifiedAt: SENT });
    const third = (JSON.parse(await readFile(file, 'utf8')) as { refreshToken: string }).refreshToken;
    expect(third).to.not.equal(second);
    expect(double.refreshTokens.has(second)).to.equal(false);
    // After a restart the stored token is used, not the spent one in the config.
    double.expireAccessTokens();
    provider = makeProvider(config);
    await (await sinkFor('box:/Projects/OAuth')).create('c.eml', new BufferContent(Buffer.from('c')), { modifiedAt: SENT });
    expect(double.refreshTokens.has(third)).to.equal(false);
    // A new sign-in (another refresh token in the config) takes over from the file.
    const fresh = double.issueRefreshToken();
    double.expireAccessTokens();
    provider = makeProvider({ ...config, refreshToken: fresh });
    await (await sinkFor('box:/Projects/OAuth')).create('d.eml', new BufferContent(Buffer.from('d')), { modifiedAt: SENT });
    expect(double.refreshTokens.has(fresh)).to.equal(false);
    expect(double.grants.refresh_token).to.equal(4);
    if (process.platform !== 'win32') expect((await import('node:fs')).statSync(file).mode & 0o777).to.equal(0o600);
  });

  it('rejects a spent OAuth refresh token with AuthError', async () => {
    provider = makeProvider({ method: 'oauth', clientId: 'box-client-id', clientSecret: 'box-client-secret', refreshToken: 'spent-token' });
    const err = await expectRejection(provider.get({ resource: 'box' }), AuthError);
    expect(err.message).to.contain('invalid_grant');
  });

  it('refuses bad config naming the key', async () => {
    let err = await expectRejection(sinkFor('box:/P', { uploadThreshold: 10 }), ConfigError);
    expect(err.message).to.contain('sinks.box.uploadThreshold');
    err = await expectRejection(sinkFor('box://Projects/P'), ConfigError);
    expect(err.message).to.contain('target');
    expect(() => boxCredentialProviderFactory.create({ method: 'ccg', clientId: '', clientSecret: 's' } as BoxCredentialsConfig, { logger: silentLogger(), stateDir }))
      .to.throw(ConfigError, /credentials\.box\.clientId[\s\S]*credentials\.box\.enterpriseId/);
    expect(() => boxCredentialProviderFactory.create({ method: 'password' } as unknown as BoxCredentialsConfig, { logger: silentLogger(), stateDir }))
      .to.throw(ConfigError, /credentials\.box\.method/);
  });

  it('declares Box naming rules and SHA-1', async () => {
    const sink = await sinkFor('box:/Projects/Surrey Court');
    expect(sink.capabilities).to.include({ hashKind: 'sha1', atomicCreate: true, setsModifiedTime: true });
    expect(sink.capabilities.pathRules).to.include({ maxSegmentLength: 255, noTrailingSpaces: true, noLeadingSpaces: true, caseInsensitive: true });
    expect(sink.capabilities.pathRules.forbiddenChars).to.contain('/').and.to.contain('\\');
  });

  it('registers only its sink factory: credential providers are the host\'s choice', () => {
    const child = rootContainer.createChildContainer();
    register(child, { apiVersion: 1, manifest: { apiVersion: 1, kind: 'sink', name: 'box', schemes: ['box'] } });
    expect(child.resolveAll(SinkFactory)).to.deep.equal([boxSinkFactory]);
    expect(child.isRegistered(CredentialProviderFactory)).to.equal(false);
  });
});
