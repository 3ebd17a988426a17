import { expect } from 'chai';
import { container as rootContainer } from 'tsyringe';
import {
  AuthError,
  BufferContent,
  ConfigError,
  type CredentialBroker,
  CredentialProviderFactory,
  PermanentError,
  PermissionDenied,
  type Sink,
  SinkFactory,
  TargetMissing,
  TransientError,
} from '@filing-sync/core';
import { DropboxDouble, trustTestCertificate } from '@filing-sync/doubles';
import { DropboxRefreshTokenProvider } from './dropbox-token-provider.js';
import { dropboxSinkFactory } from './dropbox-sink-factory.js';
import type { DropboxSinkConfig } from './dropbox-config.js';
import { register } from './index.js';
import { silentLogger } from '@filing-sync/conformance';

const MiB = 1024 * 1024;
const SENT = new Date('2026-11-28T14:46:13Z');


/** Deterministic bytes of `size`, different per `seed`. */
export function bytes(size: number, seed = 1): Buffer {
  const b = Buffer.alloc(size);
  for (let i = 0; i < size; i++) b[i] = (i * 131 + seed * 7 + (i >>> 10)) & 0xff;
  return b;
}

/** A broker over one provider, as the host's broker routes resource `dropbox`. */
function brokerFor(provider: DropboxRefreshTokenProvider): CredentialBroker {
  return { get: (r) => provider.get(r), invalidate: (r) => provider.invalidate(r) };
}

async function expectRejection<T extends Error>(p: Promise<unknown>, type: new (...a: never[]) => T): Promise<T> {
  try {
    await p;
  } catch (err) {
    expect(err).to.be.instanceOf(type);
    return err as T;
  }
  throw new Error(`expected a ${type.name}`);
}

describe('Dropbox sink against the Dropbox API double', function () {
  let double: DropboxDouble;
  let provider: DropboxRefreshTokenProvider;

  before(async () => {
    await trustTestCertificate();
  });

  beforeEach(async () => {
    double = await DropboxDouble.start();
    provider = new DropboxRefreshTokenProvider({ appKey: 'test-app-key', refreshToken: 'test-refresh-token', baseUrl: double.url });
  });

  afterEach(() => double.close());

  function sinkFor(target: string, config: DropboxSinkConfig = {}): Promise<Sink> {
    return dropboxSinkFactory.create(new URL(target), { baseUrl: double.url, ...config }, { credentials: brokerFor(provider), logger: silentLogger() });
  }

  const calls = (path: string): number => double.server.requests.filter((r) => r.url.split('?')[0] === path).length;

  it('uploads a small file in one files/upload with mode add, no autorename, and the sent time', async () => {
    const sink = await sinkFor('dropbox:/Projects/Surrey Court');
    const content = new BufferContent(Buffer.from('From: a@example.com\r\nSubject: Site visit\r\n\r\nHello\r\n'));
    const result = await sink.create('20261128T144613Z Site visit.eml', content, { modifiedAt: SENT });
    expect(result.created).to.equal(true);
    const stored = double.file('/projects/surrey court/20261128t144613z site visit.eml')!;
    expect(stored.content.equals(await content.bytes())).to.equal(true);
    expect(stored.path).to.equal('/Projects/Surrey Court/20261128T144613Z Site visit.eml');
    expect(stored.clientModified).to.equal('2026-11-28T14:46:13Z');
    if (result.created) {
      expect(result.entry.hash).to.equal(await content.digest('dropbox'));
      expect(result.entry.path).to.equal('dropbox:/Projects/Surrey Court/20261128T144613Z Site visit.eml');
      expect(result.entry.modifiedAt?.toISOString()).to.equal(SENT.toISOString());
    }
    const upload = double.server.requests.find((r) => r.url === '/2/files/upload')!;
    const arg = JSON.parse(String(upload.headers['dropbox-api-arg'])) as Record<string, unknown>;
    expect(arg).to.include({ autorename: false, strict_conflict: true, content_hash: await content.digest('dropbox') });
    expect(arg.mode).to.deep.equal({ '.tag': 'add' });
    expect(calls('/2/files/upload_session/start')).to.equal(0);
    // The token came from the refresh-token grant, done by the SDK.
    expect(double.refreshCount).to.equal(1);
  });

  it('reports a taken name as {created: false} with the existing content_hash, identical or not', async () => {
    const sink = await sinkFor('dropbox:/Projects/A');
    const original = Buffer.from('original');
    double.putFile('/Projects/A/x.eml', original);
    const same = await sink.create('X.EML', new BufferContent(original), { modifiedAt: SENT });
    expect(same.created).to.equal(false);
    if (!same.created) expect(same.existing?.hash).to.equal(await new BufferContent(original).digest('dropbox'));
    const other = await sink.create('x.eml', new BufferContent(Buffer.from('different')), { modifiedAt: SENT });
    expect(other.created).to.equal(false);
    if (!other.created) expect(other.existing?.hash).to.not.equal(await new BufferContent(Buffer.from('different')).digest('dropbox'));
    expect(double.file('/Projects/A/x.eml')!.content.equals(original)).to.equal(true);
  });

  it('calls the target missing, not the name taken, when a file stands where its folder should be', async () => {
    const sink = await sinkFor('dropbox:/Projects/A');
    double.putFile('/Projects/A', Buffer.from('a file, not a folder'));
    expect(await sink.check()).to.equal('missing');
    const err = await sink.create('x.eml', new BufferContent(Buffer.from('m')), { modifiedAt: SENT }).then(() => undefined, (e: unknown) => e);
    expect(err).to.be.instanceOf(TargetMissing);
    expect((err as Error).message).to.match(/file stands where a folder of dropbox:\/Projects\/A should be/);
  });

  it('stats files case-insensitively and answers undefined for a missing name', async () => {
    const sink = await sinkFor('dropbox:/Projects/A');
    double.putFile('/Projects/A/Report.eml', Buffer.from('abc'));
    const entry = await sink.stat('report.EML');
    expect(entry).to.include({ name: 'Report.eml', size: 3 });
    expect(entry?.hash).to.equal(await new BufferContent(Buffer.from('abc')).digest('dropbox'));
    expect(await sink.stat('nothing.eml')).to.equal(undefined);
  });

  it('sends a 25 MiB file through an upload session (start, append_v2, finish) in 8 MiB chunks', async () => {
    const sink = await sinkFor('dropbox:/Projects/Big');
    expect(sink.capabilities.largeUploadThreshold).to.equal(8 * MiB);
    const data = bytes(25 * MiB);
    const content = new BufferContent(data);
    const result = await sink.create('big.eml', content, { modifiedAt: SENT });
    expect(result.created).to.equal(true);
    expect(double.file('/Projects/Big/big.eml')!.content.equals(data)).to.equal(true);
    expect(double.file('/Projects/Big/big.eml')!.contentHash).to.equal(await content.digest('dropbox'));
    expect(calls('/2/files/upload')).to.equal(0);
    expect(calls('/2/files/upload_session/start')).to.equal(1);
    expect(calls('/2/files/upload_session/append_v2')).to.equal(3);
    expect(calls('/2/files/upload_session/finish')).to.equal(1);
    const finish = double.server.requests.find((r) => r.url === '/2/files/upload_session/finish')!;
    const arg = JSON.parse(String(finish.headers['dropbox-api-arg'])) as { cursor: { offset: number }; commit: Record<string, unknown> };
    expect(arg.cursor.offset).to.equal(data.length);
    expect(arg.commit).to.deep.include({ autorename: false, strict_conflict: true, client_modified: '2026-11-28T14:46:13Z' });
  });

  it('honours a configurable threshold', async () => {
    const sink = await sinkFor('dropbox:/Projects/T', { uploadThreshold: 1000 });
    await sink.create('a.eml', new BufferContent(bytes(999)), { modifiedAt: SENT });
    await sink.create('b.eml', new BufferContent(bytes(1000)), { modifiedAt: SENT });
    expect(calls('/2/files/upload')).to.equal(1);
    expect(calls('/2/files/upload_session/start')).to.equal(1);
    expect(double.file('/Projects/T/b.eml')!.content.equals(bytes(1000))).to.equal(true);
  });

  it('resumes an interrupted session from the server\'s offset (incorrect_offset) and after a 503', async () => {
    const sink = await sinkFor('dropbox:/Projects/Resume', { chunkSize: 4 * MiB, uploadThreshold: 4 * MiB });
    const data = bytes(13 * MiB, 3);
    // The second chunk arrives but its reply is lost: the retry meets incorrect_offset and skips ahead.
    double.loseNextResponse(/append_v2$/);
    double.server.faults.script({ kind: '503', match: /append_v2/, retryAfterSeconds: 0 });
    const result = await sink.create('resumed.eml', new BufferContent(data), { modifiedAt: SENT });
    expect(result.created).to.equal(true);
    expect(double.file('/Projects/Resume/resumed.eml')!.content.equals(data)).to.equal(true);
    expect(double.server.faults.injected['503']).to.equal(1);
    // start(4) + appends for 4, 4, 1 MiB: one lost (retried, incorrect_offset), one 503 (retried).
    expect(calls('/2/files/upload_session/append_v2')).to.equal(5);
  });

  it('resends data the server lacks when incorrect_offset points back', async () => {
    const sink = await sinkFor('dropbox:/Projects/Back', { chunkSize: 4 * MiB, uploadThreshold: 4 * MiB });
    const data = bytes(9 * MiB, 5);
    // The finish finds the session short (the server lost the last append): the sink sends it again.
    double.rollBackNextFinish(4 * MiB);
    expect((await sink.create('back.eml', new BufferContent(data), { modifiedAt: SENT })).created).to.equal(true);
    expect(calls('/2/files/upload_session/finish')).to.equal(2);
    expect(double.file('/Projects/Back/back.eml')!.content.equals(data)).to.equal(true);
  });

  it('sends each session chunk with its content_hash: a chunk damaged on the way is sent again, never stored', async () => {
    const sink = await sinkFor('dropbox:/Projects/Damaged', { chunkSize: 4 * MiB, uploadThreshold: 4 * MiB });
    const data = bytes(9 * MiB, 8);
    double.damageNextSessionData(/append_v2$/);
    expect((await sink.create('damaged.eml', new BufferContent(data), { modifiedAt: SENT })).created).to.equal(true);
    expect(double.file('/Projects/Damaged/damaged.eml')!.content.equals(data)).to.equal(true);
    // start(4) + appends of 4 (refused, then again) and 1 MiB.
    expect(calls('/2/files/upload_session/append_v2')).to.equal(3);
    // The first chunk too: a damaged start is refused, and the attempt is retried by the engine.
    double.damageNextSessionData(/upload_session\/start$/);
    await expectRejection(sink.create('start.eml', new BufferContent(data), { modifiedAt: SENT }), TransientError);
    expect(double.file('/Projects/Damaged/start.eml')).to.equal(undefined);
  });

  it('answers an expired session with TransientError at once, and a new session next time', async () => {
    const sink = await sinkFor('dropbox:/Projects/Expired', { chunkSize: 4 * MiB, uploadThreshold: 4 * MiB });
    const data = bytes(9 * MiB, 6);
    double.scriptError({ match: /append_v2$/, status: 409, summary: 'not_found/', error: { '.tag': 'not_found' } });
    const err = await expectRejection(sink.create('e.eml', new BufferContent(data), { modifiedAt: SENT }), TransientError);
    expect(err.message).to.contain('upload session');
    expect(calls('/2/files/upload_session/append_v2')).to.equal(1);
    expect((await sink.create('e.eml', new BufferContent(data), { modifiedAt: SENT })).created).to.equal(true);
    expect(calls('/2/files/upload_session/start')).to.equal(2);
  });

  it('maps too_many_write_operations and too_many_requests to TransientError with Retry-After', async () => {
    const sink = await sinkFor('dropbox:/Projects/Busy');
    double.scriptError({ match: /^\/2\/files\/upload$/, status: 429, summary: 'too_many_write_operations/...', error: { reason: { '.tag': 'too_many_write_operations' }, retry_after: 7 }, headers: { 'retry-after': '7' } });
    const e1 = await expectRejection(sink.create('a.eml', new BufferContent(Buffer.from('a')), { modifiedAt: SENT }), TransientError);
    expect(e1.retryAfterMs).to.equal(7000);
    expect(e1.message).to.contain('too_many_write_operations');
    double.server.faults.script({ kind: '429', match: /files\/upload/, retryAfterSeconds: 3 });
    const e2 = await expectRejection(sink.create('a.eml', new BufferContent(Buffer.from('a')), { modifiedAt: SENT }), TransientError);
    expect(e2.retryAfterMs).to.equal(3000);
    // Nothing was written by the refused calls; the engine's retry writes it.
    expect(double.file('/Projects/Busy/a.eml')).to.equal(undefined);
    expect((await sink.create('a.eml', new BufferContent(Buffer.from('a')), { modifiedAt: SENT })).created).to.equal(true);
  });

  it('answers an upload damaged on the way (content_hash_mismatch) with TransientError, and stores it on the next attempt', async () => {
    const sink = await sinkFor('dropbox:/Projects/Damaged');
    const data = Buffer.from('From: a@example.com\r\nSubject: Damaged\r\n\r\nbody\r\n');
    double.damageNextUpload();
    const err = await expectRejection(sink.create('a.eml', new BufferContent(data), { modifiedAt: SENT }), TransientError);
    expect(err.message).to.contain('content_hash_mismatch');
    expect(double.list('/Projects/Damaged')).to.deep.equal([]);
    // What the engine does with a TransientError: the same filing again, whose bytes now arrive whole.
    const result = await sink.create('a.eml', new BufferContent(data), { modifiedAt: SENT });
    expect(result.created).to.equal(true);
    expect(double.file('/Projects/Damaged/a.eml')!.content.equals(data)).to.equal(true);
    expect(calls('/2/files/upload')).to.equal(2);
  });

  it('maps a network failure to TransientError', async () => {
    const sink = await sinkFor('dropbox:/Projects/Net');
    double.server.faults.script({ kind: 'reset', match: /files\/upload/ });
    await expectRejection(sink.create('a.eml', new BufferContent(Buffer.from('a')), { modifiedAt: SENT }), TransientError);
  });

  it('maps no_write_permission to PermissionDenied and check() to denied', async () => {
    double.readOnly.add('/projects/locked');
    double.putFile('/Projects/Locked/existing.eml', Buffer.from('x'));
    const sink = await sinkFor('dropbox:/Projects/Locked');
    expect(await sink.check()).to.equal('denied');
    const err = await expectRejection(sink.create('a.eml', new BufferContent(Buffer.from('a')), { modifiedAt: SENT }), PermissionDenied);
    expect(err.message).to.contain('no_write_permission');
    const below = await sinkFor('dropbox:/Projects/Locked/New');
    expect(await below.check()).to.equal('denied');
  });

  it('maps insufficient_space and malformed_path to PermanentError', async () => {
    await double.close();
    double = await DropboxDouble.start({ quotaBytes: 10 });
    provider = new DropboxRefreshTokenProvider({ appKey: 'test-app-key', refreshToken: 'test-refresh-token', baseUrl: double.url });
    const sink = await sinkFor('dropbox:/Projects/Full');
    const full = await expectRejection(sink.create('a.eml', new BufferContent(bytes(11)), { modifiedAt: SENT }), PermanentError);
    expect(full.message).to.contain('insufficient_space');
    const bad = await expectRejection(sink.create('trailing ', new BufferContent(bytes(3)), { modifiedAt: SENT }), PermanentError);
    expect(bad.message).to.contain('malformed_path');
  });

  it('check() creates a missing folder and finds an existing one writable', async () => {
    const sink = await sinkFor('dropbox:/Projects/New Folder/email');
    expect(await sink.check()).to.equal('writable');
    expect(double.folders.has('home:/projects/new folder/email')).to.equal(true);
    expect(await sink.check()).to.equal('writable');
  });

  it('refreshes an expired access token once through the SDK and goes on', async () => {
    const sink = await sinkFor('dropbox:/Projects/Tokens');
    await sink.create('a.eml', new BufferContent(Buffer.from('a')), { modifiedAt: SENT });
    expect(double.refreshCount).to.equal(1);
    double.expireAccessTokens();
    const result = await sink.create('b.eml', new BufferContent(Buffer.from('b')), { modifiedAt: SENT });
    expect(result.created).to.equal(true);
    expect(double.refreshCount).to.equal(2);
    const unauthorized = double.server.requests.filter((r) => r.url === '/2/files/upload').length;
    expect(unauthorized).to.equal(3); // a, b refused with 401, b again
  });

  it('rejects with AuthError when the refresh token is refused', async () => {
    provider = new DropboxRefreshTokenProvider({ appKey: 'test-app-key', refreshToken: 'rt-SECRET-42', baseUrl: double.url });
    const sink = await sinkFor('dropbox:/Projects/Tokens');
    const err = await expectRejection(sink.create('a.eml', new BufferContent(Buffer.from('a')), { modifiedAt: SENT }), AuthError);
    expect(err.message).to.contain('invalid_grant');
    expect(err.message).to.not.contain('rt-SECRET-42');
  });

  it('writes into the team space with pathRoot team-root and acts as the selected member', async () => {
    const sink = await sinkFor('dropbox:/Projects/Team', { pathRoot: 'team-root', selectUser: 'dbmid:member-1' });
    await sink.create('a.eml', new BufferContent(Buffer.from('team')), { modifiedAt: SENT });
    expect(double.file('/Projects/Team/a.eml', double.rootNamespaceId)!.content.toString()).to.equal('team');
    expect(double.file('/Projects/Team/a.eml')).to.equal(undefined);
    const upload = double.server.requests.find((r) => r.url === '/2/files/upload')!;
    expect(upload.headers['dropbox-api-select-user']).to.equal('dbmid:member-1');
    expect(JSON.parse(String(upload.headers['dropbox-api-path-root']))).to.deep.equal({ '.tag': 'root', root: double.rootNamespaceId });
    double.addNamespace('777');
    const ns = await sinkFor('dropbox:/Shared', { pathRoot: { namespaceId: '777' } });
    await ns.create('b.eml', new BufferContent(Buffer.from('ns')), { modifiedAt: SENT });
    expect(double.file('/Shared/b.eml', '777')!.content.toString()).to.equal('ns');
  });

  it('refuses bad config and targets naming the key', async () => {
    let err = await expectRejection(sinkFor('dropbox:/P', { chunkSize: 5 * MiB }), ConfigError);
    expect(err.message).to.contain('sinks.dropbox.chunkSize');
    err = await expectRejection(sinkFor('dropbox://Projects/P'), ConfigError);
    expect(err.message).to.contain('target');
    expect(() => new DropboxRefreshTokenProvider({ appKey: 'k', refreshToken: 'r', baseUrl: 'not a url' })).to.throw(ConfigError, /credentials\.dropbox\.baseUrl/);
  });

  it('declares Dropbox naming rules and content hash', async () => {
    const sink = await sinkFor('dropbox:/Projects/Surrey Court');
    expect(sink.capabilities).to.include({ hashKind: 'dropbox', atomicCreate: true, setsModifiedTime: true });
    expect(sink.capabilities.pathRules).to.include({ caseInsensitive: true, maxSegmentLength: 255, noTrailingSpaces: true, lengthUnit: 'utf16' });
    expect(sink.capabilities.pathRules.reservedFileNames).to.include('desktop.ini');
    expect(sink.folderPathLength).to.equal('/Projects/Surrey Court/'.length);
  });

  it('registers only its sink factory: credential providers are the host\'s choice', () => {
    const child = rootContainer.createChildContainer();
    register(child, { apiVersion: 1, manifest: { apiVersion: 1, kind: 'sink', name: 'dropbox', schemes: ['dropbox'] } });
    expect(child.resolveAll(SinkFactory)).to.deep.equal([dropboxSinkFactory]);
    expect(child.isRegistered(CredentialProviderFactory)).to.equal(false);
  });
});
