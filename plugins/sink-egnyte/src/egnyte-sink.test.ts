import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { container } from 'tsyringe';
import {
  AuthError,
  ConfigError,
  CredentialProviderFactory,
  PermanentError,
  PermissionDenied,
  SinkFactory,
  TargetMissing,
  TransientError,
  fitFileName,
  placeFile,
  retrying,
} from '@filing-sync/core';
import { ProbeContent, silentLogger } from '@filing-sync/conformance';
import type { EgnyteDouble } from '@filing-sync/doubles';
import { EGNYTE_PATH_RULES, EgnyteSinkFactory, egnyteCredentialProviderFactory, register } from './index.js';
import { SENT_AT, TOKEN, content, makeSink, startDouble, testConfig, tokenBroker } from './egnyte-setup.test.js';

const sha512 = (b: Buffer): string => createHash('sha512').update(b).digest('hex');

describe('EgnyteSink', function () {
  this.timeout(30_000);
  let double: EgnyteDouble;

  beforeEach(async () => {
    double = await startDouble({ minChunkSize: 1024 });
  });
  afterEach(async () => {
    await double.close();
  });

  describe('upload', () => {
    it('uploads a small file in one request, encoding each path segment, with checksum and modified time', async () => {
      const sink = await makeSink(double, 'egnyte://acme/Shared/Projects/example%3Fpath');
      const bytes = Buffer.from('From: a@example.com\r\nSubject: hi\r\n\r\nbody\r\n');
      const result = await sink.create('$file #1 100%.eml', content(bytes), { modifiedAt: SENT_AT });
      expect(result.created).to.equal(true);
      if (!result.created) return;
      expect(result.entry.hash).to.equal(sha512(bytes));
      expect(result.entry.path).to.equal('/Shared/Projects/example?path/$file #1 100%.eml');
      const stored = double.file('/Shared/Projects/example?path/$file #1 100%.eml')!;
      expect(stored.bytes.equals(bytes)).to.equal(true);
      expect(stored.lastModified.toISOString()).to.equal(SENT_AT.toISOString());
      const upload = double.requests.find((r) => r.method === 'POST' && r.url.startsWith('/pubapi/v1/fs-content/'))!;
      expect(upload.url).to.equal('/pubapi/v1/fs-content/Shared/Projects/example%3Fpath/%24file%20%231%20100%25.eml');
      expect(upload.headers['x-sha512-checksum']).to.equal(sha512(bytes));
      expect(upload.headers.authorization).to.equal(`Bearer ${TOKEN}`);
      expect(double.requests.some((r) => r.url.startsWith('/pubapi/v1/fs-content-chunked/'))).to.equal(false);
    });

    it('looks the name up first and writes nothing when it is taken (an upload would add a version)', async () => {
      double.putFile('/Shared/Projects/Taken.eml', 'old bytes');
      const sink = await makeSink(double, 'egnyte://acme/Shared/Projects');
      const before = double.requests.length;
      const result = await sink.create('taken.EML', content('new bytes'), { modifiedAt: SENT_AT });
      expect(result.created).to.equal(false);
      if (result.created) return;
      expect(result.existing?.hash).to.equal(sha512(Buffer.from('old bytes')));
      expect(double.file('/Shared/Projects/Taken.eml')!.versions).to.equal(1);
      expect(double.requests.slice(before).some((r) => r.url.includes('fs-content'))).to.equal(false);
    });

    it('writes once when two sinks of one factory create the same name at the same time', async () => {
      const factory = new EgnyteSinkFactory();
      const a = await makeSink(double, 'egnyte://acme/Shared/Race', { factory });
      const b = await makeSink(double, 'egnyte://acme/Shared/Race', { factory });
      await a.check();
      const results = await Promise.all([
        a.create('Same.eml', content('first'), { modifiedAt: SENT_AT }),
        b.create('same.eml', content('second'), { modifiedAt: SENT_AT }),
      ]);
      expect(results.map((r) => r.created)).to.deep.equal([true, false]);
      expect(double.file('/Shared/Race/Same.eml')!.versions).to.equal(1);
      expect(double.file('/Shared/Race/Same.eml')!.bytes.toString()).to.equal('first');
    });

    it("gives core's placeFile what it needs: same SHA-512 → identical, other bytes → ' (2)'", async () => {
      const sink = await makeSink(double, 'egnyte://acme/Shared/Projects');
      double.putFile('/Shared/Projects/20261128T144613Z Site visit.eml', 'same');
      const same = await placeFile(sink, '20261128T144613Z Site visit.eml', content('same'), { modifiedAt: SENT_AT });
      expect(same.outcome).to.equal('identical');
      const other = await placeFile(sink, '20261128T144613Z Site visit.eml', content('different'), { modifiedAt: SENT_AT });
      expect(other.outcome).to.equal('renamed');
      expect(other.name).to.equal('20261128T144613Z Site visit (2).eml');
      expect(double.file('/Shared/Projects/20261128T144613Z Site visit (2).eml')!.bytes.toString()).to.equal('different');
      expect(double.file('/Shared/Projects/20261128T144613Z Site visit.eml')!.versions).to.equal(1);
    });

    it('sends a file at or above the threshold in chunks: upload id, chunk numbers, last-chunk flag, SHA-512 per chunk', async () => {
      const sink = await makeSink(double, 'egnyte://acme/Shared/Big', { config: { chunkedUploadThreshold: 2048, chunkSize: 1024 } });
      const bytes = Buffer.alloc(2600, 7).fill(9, 1500);
      const result = await sink.create('Large.eml', content(bytes), { modifiedAt: SENT_AT });
      expect(result.created).to.equal(true);
      expect(double.file('/Shared/Big/Large.eml')!.bytes.equals(bytes)).to.equal(true);
      expect(double.file('/Shared/Big/Large.eml')!.lastModified.toISOString()).to.equal(SENT_AT.toISOString());
      const chunks = double.requests.filter((r) => r.url.startsWith('/pubapi/v1/fs-content-chunked/Shared/Big/Large.eml'));
      expect(chunks.map((c) => c.headers['x-egnyte-chunk-num'])).to.deep.equal(['1', '2', '3']);
      expect(chunks[0]!.headers['x-egnyte-upload-id']).to.equal(undefined);
      const uploadId = chunks[1]!.headers['x-egnyte-upload-id'];
      expect(uploadId).to.be.a('string').and.not.equal('');
      expect(chunks[2]!.headers['x-egnyte-upload-id']).to.equal(uploadId);
      expect(chunks.map((c) => c.headers['x-egnyte-last-chunk'])).to.deep.equal([undefined, undefined, 'true']);
      const parts = [bytes.subarray(0, 1024), bytes.subarray(1024, 2048), bytes.subarray(2048)];
      expect(chunks.map((c) => c.headers['x-egnyte-chunk-sha512-checksum'])).to.deep.equal(parts.map(sha512));
      expect(double.openChunkedUploads).to.equal(0);
      expect(double.requests.some((r) => r.url.startsWith('/pubapi/v1/fs-content/'))).to.equal(false);
    });

    it("leaves a failed first chunk to the engine: nothing is stored, and the retry uploads the whole file", async () => {
      const sink = await makeSink(double, 'egnyte://acme/Shared/Big', { config: { chunkedUploadThreshold: 2048, chunkSize: 1024 } });
      const bytes = Buffer.from(Array.from({ length: 3000 }, (_, i) => i % 251));
      double.faults.script({ kind: '503', match: /fs-content-chunked/, retryAfterSeconds: 0 });
      const probe = new ProbeContent(bytes);
      let attempts = 0;
      await retrying(
        () => {
          attempts++;
          return sink.create('Resumed.eml', probe, { modifiedAt: SENT_AT });
        },
        { policy: { maxAttempts: 2, baseDelayMs: 1, maxDelayMs: 1 } },
      );
      expect(attempts).to.equal(2);
      expect(double.file('/Shared/Big/Resumed.eml')!.bytes.equals(bytes)).to.equal(true);
      expect(double.file('/Shared/Big/Resumed.eml')!.versions).to.equal(1);
    });

    it('sends a chunk again after a reset, re-reading its bytes, without the engine', async () => {
      const sink = await makeSink(double, 'egnyte://acme/Shared/Big', { config: { chunkedUploadThreshold: 2048, chunkSize: 1024 } });
      const bytes = Buffer.from(Array.from({ length: 3000 }, (_, i) => (i * 7) % 256));
      // Fail the second chunk (its request carries X-Egnyte-Upload-Id; the matcher sees only the URL, so count).
      let seen = 0;
      const original = double.faults.apply.bind(double.faults);
      double.faults.apply = (req, res, reply) => {
        if (req.url?.startsWith('/pubapi/v1/fs-content-chunked/') && ++seen === 2) {
          double.faults.script({ kind: 'reset' });
        }
        return original(req, res, reply);
      };
      const result = await sink.create('Chunk retry.eml', content(bytes), { modifiedAt: SENT_AT });
      expect(result.created).to.equal(true);
      expect(double.faults.injected.reset).to.equal(1);
      const chunkNums = double.requests.filter((r) => r.url.includes('fs-content-chunked')).map((r) => r.headers['x-egnyte-chunk-num']);
      expect(chunkNums).to.deep.equal(['1', '2', '2', '3']);
      expect(double.file('/Shared/Big/Chunk retry.eml')!.bytes.equals(bytes)).to.equal(true);
    });

    it("takes a chunked upload as written when the last chunk's reply does not describe the file, by looking it up", async () => {
      await double.close();
      double = await startDouble({ minChunkSize: 1024, lastChunkReply: 'chunk' });
      const sink = await makeSink(double, 'egnyte://acme/Shared/Big', { config: { chunkedUploadThreshold: 2048, chunkSize: 1024 } });
      const bytes = Buffer.from(Array.from({ length: 2500 }, (_, i) => (i * 13) % 256));
      const result = await sink.create('Bare reply.eml', content(bytes), { modifiedAt: SENT_AT });
      expect(result.created).to.equal(true);
      if (result.created) expect(result.entry.hash).to.equal(sha512(bytes));
      expect(double.file('/Shared/Big/Bare reply.eml')!.versions).to.equal(1);
      // The last chunk's reply carried no whole-file checksum: the stored file's metadata was read instead.
      const lastChunk = double.requests.findIndex((r) => r.headers['x-egnyte-last-chunk'] === 'true');
      expect(double.requests.slice(lastChunk + 1).map((r) => `${r.method} ${r.url.split('?')[0]}`)).to.deep.equal(['GET /pubapi/v1/fs/Shared/Big/Bare%20reply.eml']);
    });

    it("recognises its file when the last chunk's reply was lost, instead of sending the spent upload id again", async () => {
      const sink = await makeSink(double, 'egnyte://acme/Shared/Big', { config: { chunkedUploadThreshold: 2048, chunkSize: 1024 } });
      const bytes = Buffer.from(Array.from({ length: 3000 }, (_, i) => (i * 5) % 256));
      double.loseReplyToLastChunk();
      const result = await sink.create('Lost reply.eml', content(bytes), { modifiedAt: SENT_AT });
      expect(result.created).to.equal(true);
      if (result.created) expect(result.entry.hash).to.equal(sha512(bytes));
      const stored = double.file('/Shared/Big/Lost reply.eml')!;
      expect(stored.bytes.equals(bytes)).to.equal(true);
      expect(stored.versions).to.equal(1);
      expect(double.requests.filter((r) => r.headers['x-egnyte-last-chunk'] === 'true')).to.have.length(1);
    });

    it('answers a refused resend of a chunk (lost reply, spent upload id) with TransientError, and the retry starts over from chunk 1 with a new upload id', async () => {
      const sink = await makeSink(double, 'egnyte://acme/Shared/Big', { config: { chunkedUploadThreshold: 2048, chunkSize: 1024 } });
      const bytes = Buffer.from(Array.from({ length: 3000 }, (_, i) => (i * 11) % 256));
      double.loseReplyToChunk(2);
      const err = await sink.create('Resent.eml', content(bytes), { modifiedAt: SENT_AT }).then(() => undefined, (e: unknown) => e);
      expect(err).to.be.instanceOf(TransientError);
      expect((err as TransientError).message).to.contain('chunk 2').and.to.contain('first chunk');
      expect((err as TransientError).action).to.contain('first chunk');
      const first = double.requests.filter((r) => r.url.includes('fs-content-chunked'));
      // Chunk 2 sent, its reply lost, sent again and refused once: not retried on the spent id.
      expect(first.map((r) => r.headers['x-egnyte-chunk-num'])).to.deep.equal(['1', '2', '2']);
      const spent = first[1]!.headers['x-egnyte-upload-id'];
      expect(double.file('/Shared/Big/Resent.eml')).to.equal(undefined);
      // The engine's retry: a new upload from chunk 1 (no upload id), then the new id throughout.
      const result = await sink.create('Resent.eml', content(bytes), { modifiedAt: SENT_AT });
      expect(result.created).to.equal(true);
      const retry = double.requests.filter((r) => r.url.includes('fs-content-chunked')).slice(first.length);
      expect(retry.map((r) => r.headers['x-egnyte-chunk-num'])).to.deep.equal(['1', '2', '3']);
      expect(retry[0]!.headers['x-egnyte-upload-id']).to.equal(undefined);
      const fresh = retry[1]!.headers['x-egnyte-upload-id'];
      expect(fresh).to.be.a('string').and.not.equal(spent);
      expect(retry[2]!.headers['x-egnyte-upload-id']).to.equal(fresh);
      const stored = double.file('/Shared/Big/Resent.eml')!;
      expect(stored.bytes.equals(bytes)).to.equal(true);
      expect(stored.versions).to.equal(1);
    });

    it('rebuilds the body when the engine retries an upload (never a 0-byte file)', async () => {
      const sink = await makeSink(double, 'egnyte://acme/Shared/Retry');
      const bytes = Buffer.from('x'.repeat(5000));
      const probe = new ProbeContent(bytes);
      double.faults.script({ kind: 'reset', match: /^POST \/pubapi\/v1\/fs-content\// });
      const first = await sink.create('Retry.eml', probe, { modifiedAt: SENT_AT }).catch((e: unknown) => e);
      expect(first).to.be.instanceOf(TransientError);
      expect(double.file('/Shared/Retry/Retry.eml')).to.equal(undefined);
      const second = await sink.create('Retry.eml', probe, { modifiedAt: SENT_AT });
      expect(second.created).to.equal(true);
      expect(double.file('/Shared/Retry/Retry.eml')!.bytes.equals(bytes)).to.equal(true);
    });
  });

  describe('folders', () => {
    it('creates missing folders top down with add_folder, taking 403 "already exists" as success', async () => {
      double.mkdir('/Shared/Projects');
      const sink = await makeSink(double, 'egnyte://acme/Shared/Projects/Surrey%20Court/Email');
      await sink.create('a.eml', content('a'), { modifiedAt: SENT_AT });
      const adds = double.requests.filter((r) => r.method === 'POST' && r.url.startsWith('/pubapi/v1/fs/'));
      expect(adds.map((r) => r.url)).to.deep.equal([
        '/pubapi/v1/fs/Shared/Projects',
        '/pubapi/v1/fs/Shared/Projects/Surrey%20Court',
        '/pubapi/v1/fs/Shared/Projects/Surrey%20Court/Email',
      ]);
      expect(double.fileNames('/Shared/Projects/Surrey Court/Email')).to.deep.equal(['a.eml']);
      // Made once per sink: the next file needs no folder calls.
      const before = double.requests.length;
      await sink.create('b.eml', content('b'), { modifiedAt: SENT_AT });
      expect(double.requests.slice(before).filter((r) => r.url.startsWith('/pubapi/v1/fs/') && r.method === 'POST')).to.have.length(0);
    });

    it('makes the target folder again after it was deleted, without a restart', async () => {
      const sink = await makeSink(double, 'egnyte://acme/Shared/Projects/Surrey%20Court');
      expect(await sink.check()).to.equal('writable');
      await sink.create('a.eml', content('a'), { modifiedAt: SENT_AT });
      // Someone deletes the folder in the web UI.
      double.remove('/Shared/Projects');
      expect(await sink.check()).to.equal('writable');
      expect(double.fileNames('/Shared/Projects/Surrey Court')).to.deep.equal([]);
      // Deleted again between check and write: this attempt is passing, the engine's next one writes.
      double.remove('/Shared/Projects');
      const err = await sink.create('b.eml', content('b'), { modifiedAt: SENT_AT }).catch((e: unknown) => e);
      expect(err).to.be.instanceOf(TransientError);
      expect((await sink.create('b.eml', content('b'), { modifiedAt: SENT_AT })).created).to.equal(true);
      expect(double.fileNames('/Shared/Projects/Surrey Court')).to.deep.equal(['b.eml']);
    });

    it('reports a target under a missing private folder as missing', async () => {
      const sink = await makeSink(double, 'egnyte://acme/Private/nobody/Filed');
      expect(await sink.check()).to.equal('missing');
      const err = await sink.create('a.eml', content('a'), { modifiedAt: SENT_AT }).catch((e: unknown) => e);
      expect(err).to.be.instanceOf(TargetMissing);
    });
  });

  describe('errors and throttling', () => {
    it('maps Mashery throttling (403 + X-Mashery-Error-Code + Retry-After) to TransientError with retryAfterMs', async () => {
      const sink = await makeSink(double, 'egnyte://acme/Shared/T');
      await sink.check();
      double.faults.script({ kind: '429', match: /fs-content/, retryAfterSeconds: 4 });
      const err = await sink.create('a.eml', content('a'), { modifiedAt: SENT_AT }).catch((e: unknown) => e);
      expect(err).to.be.instanceOf(TransientError);
      expect((err as TransientError).retryAfterMs).to.equal(4000);
      expect((err as Error).message).to.include('ERR_403_DEVELOPER_OVER_QPS');
      const reply = double.requests.filter((r) => r.url.includes('fs-content'));
      expect(reply).to.have.length(1);
    });

    it('maps the daily quota (OVER_RATE) to TransientError too', async () => {
      await double.close();
      double = await startDouble({ dailyQuota: 2 });
      const sink = await makeSink(double, 'egnyte://acme/Shared');
      await sink.stat('a.eml');
      await sink.stat('b.eml');
      const err = await sink.stat('c.eml').catch((e: unknown) => e);
      expect(err).to.be.instanceOf(TransientError);
      expect((err as Error).message).to.include('ERR_403_DEVELOPER_OVER_RATE');
      expect((err as TransientError).retryAfterMs).to.equal(3_600_000);
    });

    it('maps a 403 without the Mashery header to PermissionDenied, and check() says denied for a Viewer', async () => {
      double.mkdir('/Shared/ReadOnly');
      double.denyWrites('/Shared/ReadOnly');
      const sink = await makeSink(double, 'egnyte://acme/Shared/ReadOnly');
      expect(await sink.check()).to.equal('denied');
      const err = await sink.create('a.eml', content('a'), { modifiedAt: SENT_AT }).catch((e: unknown) => e);
      expect(err).to.be.instanceOf(PermissionDenied);
      expect(double.fileNames('/Shared/ReadOnly')).to.deep.equal([]);
    });

    it('paces calls to the configured rate, so a 2-calls-per-second token is never throttled', async () => {
      await double.close();
      double = await startDouble({ qps: 2 });
      // The double counts arrivals, not starts: configured a little under its limit, the sink's spacing leaves room
      // for a call that reaches it some 450 ms late on a loaded machine (at 2 it would be under 200 ms).
      const sink = await makeSink(double, 'egnyte://acme/Shared', { config: { callsPerSecond: 1.6 } });
      // One call first, so that connection set-up does not delay the first of the burst.
      await sink.stat('warm-up.eml');
      const names = ['a', 'b', 'c', 'd', 'e'].map((n) => `${n}.eml`);
      const results = await Promise.all(names.map((n) => sink.stat(n)));
      expect(results).to.deep.equal([undefined, undefined, undefined, undefined, undefined]);
      expect(double.requests).to.have.length(6);
    });

    it('without pacing the same burst is throttled (the double enforces the limit)', async () => {
      await double.close();
      double = await startDouble({ qps: 2 });
      const sink = await makeSink(double, 'egnyte://acme/Shared', { config: { callsPerSecond: 100 } });
      const results = await Promise.allSettled(['a', 'b', 'c', 'd', 'e'].map((n) => sink.stat(`${n}.eml`)));
      expect(results.some((r) => r.status === 'rejected' && r.reason instanceof TransientError)).to.equal(true);
    });

    it('on 401 invalidates the token, tries once more, then rejects with AuthError', async () => {
      const broker = tokenBroker('revoked-token');
      const sink = await makeSink(double, 'egnyte://acme/Shared/A', { credentials: broker });
      const err = await sink.check().catch((e: unknown) => e);
      expect(err).to.be.instanceOf(AuthError);
      expect(broker.invalidated).to.deep.equal([
        { resource: 'egnyte', account: 'acme' },
        { resource: 'egnyte', account: 'acme' },
      ]);
      expect(double.requests.filter((r) => r.method === 'GET')).to.have.length(2);
    });

    it('maps a 5xx to TransientError and a refused upload checksum to PermanentError', async () => {
      const sink = await makeSink(double, 'egnyte://acme/Shared/E');
      double.faults.script({ kind: '503', retryAfterSeconds: 2 });
      const err = await sink.stat('a.eml').catch((e: unknown) => e);
      expect(err).to.be.instanceOf(TransientError);
      expect((err as TransientError).retryAfterMs).to.equal(2000);
      // A Content whose digest lies: Egnyte refuses the upload (400), which can never succeed.
      const liar = content('real bytes');
      liar.digest = async () => sha512(Buffer.from('other bytes'));
      const refused = await sink.create('a.eml', liar, { modifiedAt: SENT_AT }).catch((e: unknown) => e);
      expect(refused).to.be.instanceOf(PermanentError);
      expect(double.fileNames('/Shared/E')).to.deep.equal([]);
    });
  });

  describe('names', () => {
    it('declares Egnyte name rules: emoji replaced, 245 bytes per name, 5000 per path, forbidden characters', async () => {
      const sink = await makeSink(double, 'egnyte://acme/Shared/Names');
      expect(sink.capabilities.pathRules).to.equal(EGNYTE_PATH_RULES);
      const rules = sink.capabilities.pathRules;
      expect(rules.lengthUnit).to.equal('utf8');
      expect(rules.maxSegmentLength).to.equal(245);
      expect(rules.maxPathLength).to.equal(5000);
      const emoji = fitFileName({ stem: '20261128T144613Z Party 🎉 at the site: "yes"?', extension: '.eml' }, rules, sink.folderPathLength);
      expect(emoji).to.equal('20261128T144613Z Party _ at the site_ _yes__.eml');
      const long = fitFileName({ stem: `20261128T144613Z ${'é'.repeat(300)}`, extension: '.msg' }, rules, sink.folderPathLength);
      expect(Buffer.byteLength(long, 'utf8')).to.be.at.most(245);
      const result = await sink.create(long, content('long'), { modifiedAt: SENT_AT });
      expect(result.created).to.equal(true);
      const created = await sink.create(emoji, content('emoji'), { modifiedAt: SENT_AT });
      expect(created.created).to.equal(true);
      expect(double.fileNames('/Shared/Names').sort()).to.deep.equal([emoji, long].sort());
    });

    it('counts the folder path in bytes, so a deep target leaves less room for the name', async () => {
      const deep = `egnyte://acme/Shared/${Array.from({ length: 30 }, () => encodeURIComponent('ü'.repeat(80))).join('/')}`;
      const sink = await makeSink(double, deep);
      expect(sink.folderPathLength).to.equal(Buffer.byteLength(`/Shared/${Array.from({ length: 30 }, () => 'ü'.repeat(80)).join('/')}/`));
      const name = fitFileName({ stem: 'x'.repeat(400), extension: '.eml' }, sink.capabilities.pathRules, sink.folderPathLength);
      expect(sink.folderPathLength + Buffer.byteLength(name)).to.be.at.most(5000);
    });
  });

  describe('factory, credentials and registration', () => {
    it('rejects target URIs Egnyte cannot hold, naming the target', async () => {
      const factory = new EgnyteSinkFactory();
      for (const bad of ['egnyte://acme/Projects/x', 'egnyte://acme/', 'egnyte://acme/Private', 'egnyte://ac_me/Shared/x']) {
        const err = await factory.create(new URL(bad), {}, { credentials: tokenBroker(), logger: silentLogger() }).catch((e: unknown) => e);
        expect(err, bad).to.be.instanceOf(ConfigError);
        expect((err as ConfigError).issues[0]!.key).to.equal('target');
      }
      const ok = await factory.create(new URL('egnyte://ACME/Shared/Projects/Surrey%20Court'), {}, { credentials: tokenBroker(), logger: silentLogger() });
      expect(ok.displayPath).to.equal('egnyte://acme/Shared/Projects/Surrey Court');
    });

    it('obtains a token by the password grant, and a fresh one after the old one is refused', async () => {
      await double.close();
      double = await startDouble({ users: { jsmith: 'pa55' }, clientId: 'key-1' });
      const provider = egnyteCredentialProviderFactory.create(
        { clientId: 'key-1', username: 'jsmith', password: 'pa55', baseUrl: double.url },
        { logger: silentLogger(), stateDir: '.' },
      );
      const broker = { get: provider.get.bind(provider), invalidate: provider.invalidate.bind(provider) };
      const sink = await makeSink(double, 'egnyte://acme/Shared/PW', { credentials: broker });
      expect(await sink.check()).to.equal('writable');
      const firstToken = (double.requests.find((r) => r.url.startsWith('/pubapi/'))!.headers.authorization as string).slice(7);
      double.revokeToken(firstToken);
      const result = await sink.create('a.eml', content('a'), { modifiedAt: SENT_AT });
      expect(result.created).to.equal(true);
      expect(double.requests.filter((r) => r.url === '/puboauth/token')).to.have.length(2);
    });

    it('exchanges an authorisation code once, keeps the token in the state folder, and asks for a new sign-in when it is refused', async () => {
      await double.close();
      double = await startDouble({ clientId: 'key-2' });
      const stateDir = await mkdtemp(join(tmpdir(), 'egnyte-state-'));
      const redirectUri = 'http://127.0.0.1:53682/callback';
      const config = { clientId: 'key-2', clientSecret: 'shh', authorizationCode: double.issueCode('ann', redirectUri), redirectUri, baseUrl: double.url };
      const first = egnyteCredentialProviderFactory.create(config, { logger: silentLogger(), stateDir });
      const sink = await makeSink(double, 'egnyte://acme/Shared/Code', { credentials: first });
      expect(await sink.check()).to.equal('writable');
      const saved = JSON.parse(await readFile(join(stateDir, 'egnyte-acme.token.json'), 'utf8')) as { access_token: string };
      expect((await stat(join(stateDir, 'egnyte-acme.token.json'))).mode & 0o777).to.equal(0o600);
      // A restart (a new provider) reuses the saved token: the spent code is not sent again.
      const second = egnyteCredentialProviderFactory.create(config, { logger: silentLogger(), stateDir });
      expect(await second.get({ resource: 'egnyte', account: 'acme' })).to.deep.include({ accessToken: saved.access_token });
      expect(double.requests.filter((r) => r.url === '/puboauth/token')).to.have.length(1);
      // Revoked: the saved token is dropped, the spent code refused, and the error says to sign in again.
      double.revokeToken(saved.access_token);
      const err = await (await makeSink(double, 'egnyte://acme/Shared/Code', { credentials: second })).stat('a.eml').catch((e: unknown) => e);
      expect(err).to.be.instanceOf(AuthError);
      expect((err as AuthError).action).to.match(/Sign in again/);
      await rm(stateDir, { recursive: true, force: true });
    });

    it('refuses a wrong password with AuthError and an incomplete section with ConfigError naming the keys', async () => {
      await double.close();
      double = await startDouble({ users: { jsmith: 'pa55' } });
      const provider = egnyteCredentialProviderFactory.create(
        { clientId: 'k', username: 'jsmith', password: 'wrong', baseUrl: double.url },
        { logger: silentLogger(), stateDir: '.' },
      );
      const err = await provider.get({ resource: 'egnyte', account: 'acme' }).catch((e: unknown) => e);
      expect(err).to.be.instanceOf(AuthError);
      expect((err as Error).message).to.not.include('wrong');
      const config = (() => {
        try {
          egnyteCredentialProviderFactory.create({ clientId: 'k' }, { logger: silentLogger(), stateDir: '.' });
        } catch (e) {
          return e;
        }
        return undefined;
      })();
      expect(config).to.be.instanceOf(ConfigError);
      expect((config as ConfigError).issues.map((i) => i.key)).to.deep.equal(['credentials.egnyte.username', 'credentials.egnyte.password']);
      const code = (() => {
        try {
          egnyteCredentialProviderFactory.create({ authorizationCode: 'c' }, { logger: silentLogger(), stateDir: '.' });
        } catch (e) {
          return e;
        }
        return undefined;
      })();
      expect((code as ConfigError).issues.map((i) => i.key)).to.deep.equal(['credentials.egnyte.clientId', 'credentials.egnyte.redirectUri']);
    });

    it('marks secrets in both config schemas', () => {
      const creds = egnyteCredentialProviderFactory.configSchema as unknown as { properties: Record<string, Record<string, unknown>> };
      expect(creds.properties.accessToken!['x-secret']).to.equal(true);
      expect(creds.properties.password!['x-secret']).to.equal(true);
      expect(creds.properties.username!['x-secret']).to.equal(undefined);
      expect(testConfig(double).baseUrl).to.equal(double.url);
    });

    it('registers only its sink factory: credential providers are the host\'s choice', async () => {
      const child = container.createChildContainer();
      await register(child, { apiVersion: 1, manifest: { apiVersion: 1, kind: 'sink', name: 'egnyte', schemes: ['egnyte'] } });
      const factories = child.resolveAll<{ name: string; schemes: readonly string[] }>(SinkFactory);
      expect(factories.map((f) => [f.name, [...f.schemes]])).to.deep.equal([['egnyte', ['egnyte']]]);
      expect(child.isRegistered(CredentialProviderFactory)).to.equal(false);
    });
  });
});
