import { expect } from 'chai';
import {
  AuthError,
  BufferContent,
  PermanentError,
  PermissionDenied,
  TransientError,
  placeFile,
  quickXorHash,
  type Sink,
} from '@filing-sync/core';
import { GRAPH_FRAGMENT_UNIT } from '@filing-sync/doubles';
import { GRAPH_USER_AGENT } from './graph-api.js';
import { bytesOf, startGraphFixture, type GraphFixture } from './graph-fixture.test.js';

const SENT = new Date('2026-11-28T14:46:13Z');
const MiB = 1024 * 1024;

async function rejection(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (err) {
    return err;
  }
  throw new Error('expected a rejection');
}

describe('OneDrive sink against the Graph double', function () {
  let fx: GraphFixture;
  let driveId: string;
  let sink: Sink;

  beforeEach(async () => {
    fx = await startGraphFixture();
    driveId = fx.graph.addDrive('b!ops-drive', 'Operations').id;
    sink = await fx.sink(`onedrive://${driveId}/Projects/Surrey Court`);
  });
  afterEach(() => fx.close());

  const drive = () => fx.graph.drives.get(driveId)!;
  const requests = (re: RegExp) => fx.graph.http.requests.filter((r) => re.test(`${r.method} ${decodeURIComponent(r.url)}`));

  describe('small files', () => {
    it('PUTs the content with conflict behaviour fail, the decorated User-Agent and the sent time', async () => {
      const data = Buffer.from('From: a@example.com\r\nSubject: Site visit\r\n\r\nHello\r\n');
      const result = await sink.create('20261128T144613Z Site visit.eml', new BufferContent(data), { modifiedAt: SENT });

      expect(result.created).to.equal(true);
      const stored = fx.graph.file(drive(), 'Projects/Surrey Court/20261128T144613Z Site visit.eml');
      expect(stored?.content?.equals(data)).to.equal(true);
      expect(stored?.fileSystemInfo.lastModifiedDateTime).to.equal(SENT.toISOString());
      const put = requests(/^PUT .*:\/content/);
      expect(put).to.have.length(1);
      expect(put[0]!.url).to.contain('@microsoft.graph.conflictBehavior=fail');
      expect(put[0]!.headers['user-agent']).to.equal(GRAPH_USER_AGENT);
      expect(put[0]!.headers['content-type']).to.equal('application/octet-stream');
      expect(GRAPH_USER_AGENT).to.match(/^ISV\|filing-sync\|filing-sync\/\d+\.\d+\.\d+/);
      if (result.created) {
        expect(result.entry.hash).to.equal(quickXorHash(data));
        expect(result.entry.size).to.equal(data.length);
        expect(result.entry.path).to.equal(`onedrive://${driveId}/Projects/Surrey Court/20261128T144613Z Site visit.eml`);
      }
    });

    it('reports a taken name with its quickXorHash and writes nothing', async () => {
      const first = Buffer.from('first');
      await sink.create('a.eml', new BufferContent(first), { modifiedAt: SENT });
      const second = await sink.create('A.EML', new BufferContent(Buffer.from('second')), { modifiedAt: SENT });

      expect(second.created).to.equal(false);
      if (!second.created) expect(second.existing?.hash).to.equal(quickXorHash(first));
      expect(fx.graph.file(drive(), 'Projects/Surrey Court/a.eml')?.content?.toString()).to.equal('first');
    });

    it('lets the core placement decide identical and " (2)" by quickXorHash', async () => {
      const data = new BufferContent(Buffer.from('the message'));
      expect((await placeFile(sink, 'm.eml', data, { modifiedAt: SENT })).outcome).to.equal('created');
      expect((await placeFile(sink, 'm.eml', new BufferContent(Buffer.from('the message')), { modifiedAt: SENT })).outcome).to.equal('identical');
      const other = await placeFile(sink, 'm.eml', new BufferContent(Buffer.from('another message')), { modifiedAt: SENT });
      expect(other.outcome).to.equal('renamed');
      expect(other.name).to.equal('m (2).eml');
      expect(fx.graph.list(drive(), 'Projects/Surrey Court')).to.deep.equal(['m (2).eml', 'm.eml']);
    });

    it('stat finds nothing in a folder that does not exist, without creating it', async () => {
      expect(await sink.stat('nothing.eml')).to.equal(undefined);
      expect(fx.graph.list(drive(), 'Projects')).to.equal(undefined);
    });
  });

  describe('folders', () => {
    it('finds a taken name in the folder it writes to, also after a user renamed that folder', async () => {
      expect((await placeFile(sink, 'm.eml', new BufferContent(Buffer.from('one')), { modifiedAt: SENT })).outcome).to.equal('created');
      // Renamed in OneDrive: its id, which the sink writes to, stays the same.
      drive().walk(drive().rootId, ['Projects', 'Surrey Court'])!.name = 'Surrey Court (archived)';
      expect((await placeFile(sink, 'm.eml', new BufferContent(Buffer.from('one')), { modifiedAt: SENT })).outcome).to.equal('identical');
      const other = await placeFile(sink, 'm.eml', new BufferContent(Buffer.from('two')), { modifiedAt: SENT });
      expect(other.outcome).to.equal('renamed');
      expect(fx.graph.list(drive(), 'Projects/Surrey Court (archived)')).to.deep.equal(['m (2).eml', 'm.eml']);
    });

    it('creates missing folders level by level with conflict fail, and caches their ids', async () => {
      fx.graph.drives.get(driveId)!.add(drive().rootId, 'Projects', true);
      await sink.create('1.eml', new BufferContent(Buffer.from('1')), { modifiedAt: SENT });
      await sink.create('2.eml', new BufferContent(Buffer.from('2')), { modifiedAt: SENT });

      const creates = requests(/^POST .*\/children$/);
      expect(creates).to.have.length(1); // only "Surrey Court": "Projects" existed
      expect(requests(/^GET .*root:\/Projects\/Surrey Court\?/)).to.have.length(1); // second write uses the cached id
      expect(fx.graph.list(drive(), 'Projects/Surrey Court')).to.deep.equal(['1.eml', '2.eml']);
    });

    it('does not look a throttled folder up again before its Retry-After, for any write', async () => {
      fx.graph.http.faults.script({ kind: '429', match: /^GET .*root:\/Projects\/Surrey%20Court\?/, retryAfterSeconds: 1 });
      const first = await rejection(sink.create('1.eml', new BufferContent(Buffer.from('1')), { modifiedAt: SENT }));
      const second = await rejection(sink.create('2.eml', new BufferContent(Buffer.from('2')), { modifiedAt: SENT }));
      expect(first).to.be.instanceOf(TransientError);
      expect(second).to.be.instanceOf(TransientError);
      expect((second as TransientError).retryAfterMs).to.equal(1000);
      const lookups = () => fx.graph.http.requests.filter((r) => r.method === 'GET' && r.url.includes('root:/Projects/Surrey%20Court?'));
      expect(lookups()).to.have.length(1);
      await new Promise((r) => setTimeout(r, 1_050));
      await sink.create('3.eml', new BufferContent(Buffer.from('3')), { modifiedAt: SENT });
      expect(lookups()).to.have.length(2);
      expect(fx.graph.list(drive(), 'Projects/Surrey Court')).to.deep.equal(['3.eml']);
    });

    it('treats 409 nameAlreadyExists on folder creation as success', async () => {
      // Another writer creates the folder between our look-up and our create.
      fx.graph.scriptError({ match: /^GET .*root:\/Projects\/Surrey%20Court\?/, status: 404, code: 'itemNotFound' });
      fx.graph.scriptError({ match: /^GET .*root:\/Projects\?/, status: 404, code: 'itemNotFound' });
      drive().add(drive().rootId, 'Projects', true);
      const projects = drive().child(drive().rootId, 'Projects')!;
      drive().add(projects.id, 'Surrey Court', true);

      const result = await sink.create('x.eml', new BufferContent(Buffer.from('x')), { modifiedAt: SENT });
      expect(result.created).to.equal(true);
      expect(requests(/^POST .*\/children$/).length).to.be.greaterThan(0);
      expect(fx.graph.list(drive(), 'Projects')).to.deep.equal(['Surrey Court']);
      expect(fx.graph.list(drive(), 'Projects/Surrey Court')).to.deep.equal(['x.eml']);
    });

    it('recreates the target and a deleted folder above it on the retry, without a restart', async () => {
      const sibling = await fx.sink(`onedrive://${driveId}/Projects/Harbour Bridge`);
      await sink.create('1.eml', new BufferContent(Buffer.from('1')), { modifiedAt: SENT });
      await sibling.create('h1.eml', new BufferContent(Buffer.from('h1')), { modifiedAt: SENT });
      // A user deletes "Projects", whose id (and those below it) the sinks remember.
      drive().remove(drive().child(drive().rootId, 'Projects')!.id);

      // The first write finds its folder gone: passing, the engine retries.
      expect(await rejection(sink.create('2.eml', new BufferContent(Buffer.from('2')), { modifiedAt: SENT }))).to.be.instanceOf(TransientError);
      const retried = await sink.create('2.eml', new BufferContent(Buffer.from('2')), { modifiedAt: SENT });
      expect(retried.created).to.equal(true);
      expect(fx.graph.list(drive(), 'Projects/Surrey Court')).to.deep.equal(['2.eml']);
      // The stale parent was dropped with what is below it, so the other target under it is found
      // missing and recreated at once, under the new "Projects".
      expect((await sibling.create('h2.eml', new BufferContent(Buffer.from('h2')), { modifiedAt: SENT })).created).to.equal(true);
      expect(fx.graph.list(drive(), 'Projects')).to.deep.equal(['Harbour Bridge', 'Surrey Court']);
      expect(fx.graph.list(drive(), 'Projects/Harbour Bridge')).to.deep.equal(['h2.eml']);
    });

    it('gives TransientError when a parent disappears again while its child is being recreated, and goes on next time', async () => {
      await sink.create('1.eml', new BufferContent(Buffer.from('1')), { modifiedAt: SENT });
      drive().remove(drive().walk(drive().rootId, ['Projects', 'Surrey Court'])!.id);
      expect(await rejection(sink.create('2.eml', new BufferContent(Buffer.from('2')), { modifiedAt: SENT }))).to.be.instanceOf(TransientError);
      // Creating "Surrey Court" is answered 404 twice, as if "Projects" were being deleted meanwhile.
      for (let i = 0; i < 2; i++) fx.graph.scriptError({ match: /^POST .*\/children$/, status: 404, code: 'itemNotFound' });
      const err = await rejection(sink.create('2.eml', new BufferContent(Buffer.from('2')), { modifiedAt: SENT }));
      expect(err).to.be.instanceOf(TransientError);
      expect((err as Error).message).to.match(/\/Projects disappeared again while \/Projects\/Surrey Court was being created/);
      expect((await sink.create('2.eml', new BufferContent(Buffer.from('2')), { modifiedAt: SENT })).created).to.equal(true);
      expect(fx.graph.list(drive(), 'Projects/Surrey Court')).to.deep.equal(['2.eml']);
    });

    it('check() recreates a target whose folder or a folder above it was deleted, instead of saying missing', async () => {
      await sink.create('1.eml', new BufferContent(Buffer.from('1')), { modifiedAt: SENT });
      drive().remove(drive().child(drive().rootId, 'Projects')!.id);

      expect(await sink.check()).to.equal('writable');
      expect(fx.graph.list(drive(), 'Projects/Surrey Court')).to.deep.equal([]);
      // The write that follows goes straight into the recreated folder.
      expect((await sink.create('2.eml', new BufferContent(Buffer.from('2')), { modifiedAt: SENT })).created).to.equal(true);
      expect(fx.graph.list(drive(), 'Projects/Surrey Court')).to.deep.equal(['2.eml']);
    });

    it('check() creates the folder and reports writable, denied or missing', async () => {
      expect(await sink.check()).to.equal('writable');
      expect(fx.graph.list(drive(), 'Projects')).to.deep.equal(['Surrey Court']);
      fx.graph.denyWrites(drive(), 'Locked');
      expect(await (await fx.sink(`onedrive://${driveId}/Locked/Sub`)).check()).to.equal('denied');
      expect(await (await fx.sink('onedrive://b!no-such-drive/x')).check()).to.equal('missing');
    });
  });

  describe('large files through an upload session', () => {
    it('uploads 25 MiB in 320 KiB-multiple fragments, created by path with conflict fail', async () => {
      const data = bytesOf(25 * MiB + 12345);
      const result = await sink.create('big.msg', new BufferContent(data), { modifiedAt: SENT });

      expect(result.created).to.equal(true);
      const stored = fx.graph.file(drive(), 'Projects/Surrey Court/big.msg')!;
      expect(stored.content!.equals(data)).to.equal(true);
      expect(stored.fileSystemInfo.lastModifiedDateTime).to.equal(SENT.toISOString());
      if (result.created) expect(result.entry.hash).to.equal(quickXorHash(data));
      const create = requests(/^POST .*\/items\/[^/]+:\/big\.msg:\/createUploadSession$/);
      expect(create).to.have.length(1);
      expect(requests(/\/me\/drive/)).to.have.length(0);
      const fragments = requests(/^PUT \/upload\//);
      expect(fragments).to.have.length(3); // 10 MiB, 10 MiB, the rest
      // The upload URL is pre-authenticated and on another host: the SDK sends it no token.
      expect(fragments.every((f) => f.headers.authorization === undefined)).to.equal(true);
      expect(fragments.every((f) => f.headers.host === `localhost:${fx.graph.http.port}`)).to.equal(true);
      for (const f of fragments.slice(0, -1)) {
        const [, a, b] = /bytes (\d+)-(\d+)\//.exec(String(f.headers['content-range']))!;
        expect((Number(b) - Number(a) + 1) % GRAPH_FRAGMENT_UNIT).to.equal(0);
      }
      expect(fx.graph.openSessions).to.equal(0);
    });

    it('sends the session body with conflict behaviour fail and reports a taken name', async () => {
      await sink.create('big.msg', new BufferContent(bytesOf(1000)), { modifiedAt: SENT });
      const result = await sink.create('big.msg', new BufferContent(bytesOf(5 * MiB)), { modifiedAt: SENT });
      expect(result.created).to.equal(false);
      expect(fx.graph.file(drive(), 'Projects/Surrey Court/big.msg')!.content!.length).to.equal(1000);
    });

    it('resumes after a 416 by asking the session for nextExpectedRanges', async () => {
      const s = await fx.sink(`onedrive://${driveId}/Projects/Surrey Court`, { fragmentSize: GRAPH_FRAGMENT_UNIT * 4 });
      const data = bytesOf(5 * MiB);
      // The session refuses the first fragment with 416: the sink must ask where to go on.
      fx.graph.scriptError({ match: /^PUT \/upload\//, status: 416, code: 'invalidRange', afterEffect: false });
      const result = await s.create('resume.msg', new BufferContent(data), { modifiedAt: SENT });

      expect(result.created).to.equal(true);
      expect(fx.graph.file(drive(), 'Projects/Surrey Court/resume.msg')!.content!.equals(data)).to.equal(true);
      expect(requests(/^GET \/upload\//).length).to.be.greaterThan(0);
    });

    it('resumes after a 503 whose fragment was received, skipping what the session already has', async () => {
      const s = await fx.sink(`onedrive://${driveId}/Projects/Surrey Court`, { fragmentSize: GRAPH_FRAGMENT_UNIT * 4 });
      const data = bytesOf(5 * MiB);
      fx.graph.scriptError({
        match: /^PUT \/upload\//,
        status: 503,
        code: 'serviceNotAvailable',
        headers: { 'retry-after': '0' },
        afterEffect: true,
      });
      const result = await s.create('after-503.msg', new BufferContent(data), { modifiedAt: SENT });

      expect(result.created).to.equal(true);
      expect(fx.graph.file(drive(), 'Projects/Surrey Court/after-503.msg')!.content!.equals(data)).to.equal(true);
      const ranges = requests(/^PUT \/upload\//).map((r) => String(r.headers['content-range']));
      // The first fragment was accepted despite the 503, so it is not sent twice.
      expect(ranges.filter((r) => r.startsWith('bytes 0-'))).to.have.length(1);
      expect(requests(/^GET \/upload\//)).to.have.length(1);
    });

    it('pauses and retries a fragment answered 404', async () => {
      const data = bytesOf(5 * MiB);
      fx.graph.scriptError({ match: /^PUT \/upload\//, status: 404, code: 'itemNotFound' });
      const result = await sink.create('404.msg', new BufferContent(data), { modifiedAt: SENT });
      expect(result.created).to.equal(true);
      expect(fx.graph.file(drive(), 'Projects/Surrey Court/404.msg')!.content!.equals(data)).to.equal(true);
    });

    it('finds the file committed when the reply to the last fragment was lost', async () => {
      const data = bytesOf(5 * MiB);
      const s = await fx.sink(`onedrive://${driveId}/Projects/Surrey Court`, { fragmentSize: 5 * MiB });
      fx.graph.scriptError({ match: /^PUT \/upload\//, status: 504, code: 'gatewayTimeout', afterEffect: true });
      const result = await s.create('lost-reply.msg', new BufferContent(data), { modifiedAt: SENT });
      expect(result.created).to.equal(true);
      expect(requests(/^PUT \/upload\//)).to.have.length(1);
    });

    it('cancels the session when the upload cannot finish, and rethrows', async () => {
      const s = await fx.sink(`onedrive://${driveId}/Projects/Surrey Court`, {
        sessionRetry: { maxAttempts: 2, baseDelayMs: 1, maxDelayMs: 5 },
      });
      for (let i = 0; i < 2; i++) fx.graph.scriptError({ match: /^PUT \/upload\//, status: 503, code: 'serviceNotAvailable', headers: { 'retry-after': '0' } });
      const err = await rejection(s.create('fail.msg', new BufferContent(bytesOf(5 * MiB)), { modifiedAt: SENT }));

      expect(err).to.be.instanceOf(TransientError);
      expect(fx.graph.cancelledSessions).to.have.length(1);
      expect(fx.graph.openSessions).to.equal(0);
      expect(fx.graph.file(drive(), 'Projects/Surrey Court/fail.msg')).to.equal(undefined);
    });

    it('cancels the session on a permanent failure (507 at commit)', async () => {
      const s = await fx.sink(`onedrive://${driveId}/Projects/Surrey Court`, { fragmentSize: GRAPH_FRAGMENT_UNIT * 4 });
      fx.graph.scriptError({ match: /^PUT \/upload\//, status: 507, code: 'quotaLimitReached', message: 'Insufficient Space Available' });
      const err = await rejection(s.create('full.msg', new BufferContent(bytesOf(5 * MiB)), { modifiedAt: SENT }));
      expect(err).to.be.instanceOf(PermanentError);
      expect((err as Error).message).to.match(/insufficient storage.*Insufficient Space Available/);
      expect(fx.graph.cancelledSessions).to.have.length(1);
    });

    it('cancels the session when someone else takes the name during the upload, and reports the name taken', async () => {
      const s = await fx.sink(`onedrive://${driveId}/Projects/Surrey Court`, { fragmentSize: GRAPH_FRAGMENT_UNIT * 4 });
      const data = bytesOf(5 * MiB);
      const theirs = Buffer.from('written by a colleague');
      // While the second fragment is read, another client stores a file of that name: the commit gets 409.
      const content = new (class extends BufferContent {
        override open(range?: { start: number; end: number }) {
          if (range && range.start > 0 && !fx.graph.file(drive(), 'Projects/Surrey Court/race.msg')) fx.graph.putFile(drive(), 'Projects/Surrey Court/race.msg', theirs);
          return super.open(range);
        }
      })(data);
      const result = await s.create('race.msg', content, { modifiedAt: SENT });

      expect(result.created).to.equal(false);
      expect(fx.graph.file(drive(), 'Projects/Surrey Court/race.msg')!.content!.equals(theirs)).to.equal(true);
      expect(fx.graph.cancelledSessions).to.have.length(1);
      expect(fx.graph.openSessions).to.equal(0);
    });

    it('honours a configured threshold', async () => {
      const s = await fx.sink(`onedrive://${driveId}/x`, { largeUploadThreshold: 1000 });
      expect(s.capabilities.largeUploadThreshold).to.equal(1000);
      await s.create('k.eml', new BufferContent(bytesOf(1000)), { modifiedAt: SENT });
      expect(requests(/createUploadSession/)).to.have.length(1);
      expect(requests(/^PUT .*:\/content/)).to.have.length(0);
    });
  });

  describe('errors', () => {
    it('maps 429 to TransientError with Retry-After, and does not retry by itself', async () => {
      await sink.check();
      const before = fx.graph.http.requests.length;
      fx.graph.http.faults.script({ kind: '429', match: /^PUT /, retryAfterSeconds: 7 });
      const err = await rejection(sink.create('t.eml', new BufferContent(Buffer.from('t')), { modifiedAt: SENT }));
      expect(err).to.be.instanceOf(TransientError);
      expect((err as TransientError).retryAfterMs).to.equal(7000);
      expect(fx.graph.http.requests.slice(before).filter((r) => r.method === 'PUT')).to.have.length(1);
    });

    for (const status of [503, 504] as const) {
      it(`maps ${status} to TransientError with Retry-After`, async () => {
        await sink.check();
        fx.graph.scriptError({ match: /^PUT /, status, code: 'serviceNotAvailable', headers: { 'retry-after': '3' } });
        const err = await rejection(sink.create('t.eml', new BufferContent(Buffer.from('t')), { modifiedAt: SENT }));
        expect(err).to.be.instanceOf(TransientError);
        expect((err as TransientError).retryAfterMs).to.equal(3000);
      });
    }

    it('refreshes an expired token once and carries on', async () => {
      await sink.create('1.eml', new BufferContent(Buffer.from('1')), { modifiedAt: SENT });
      const issued = fx.graph.identity.tokensIssued;
      fx.graph.identity.expireAll();
      const result = await sink.create('2.eml', new BufferContent(Buffer.from('2')), { modifiedAt: SENT });
      expect(result.created).to.equal(true);
      expect(fx.broker.invalidations).to.equal(1);
      expect(fx.graph.identity.tokensIssued).to.equal(issued + 1);
      expect(fx.graph.http.requests.filter((r) => r.url.startsWith('/v1.0')).some((r) => r.headers.authorization === undefined)).to.equal(false);
    });

    it('gives AuthError when the token is refused again after the refresh', async () => {
      await sink.check();
      fx.graph.scriptError({ match: /^PUT /, status: 401, code: 'InvalidAuthenticationToken' });
      fx.graph.scriptError({ match: /^PUT /, status: 401, code: 'InvalidAuthenticationToken' });
      const err = await rejection(sink.create('a.eml', new BufferContent(Buffer.from('a')), { modifiedAt: SENT }));
      expect(err).to.be.instanceOf(AuthError);
      expect(fx.broker.invalidations).to.equal(1);
    });

    it('maps 403 to PermissionDenied', async () => {
      fx.graph.denyWrites(drive(), 'Projects/Surrey Court');
      drive().add(drive().rootId, 'Projects', true);
      drive().add(drive().child(drive().rootId, 'Projects')!.id, 'Surrey Court', true);
      const err = await rejection(sink.create('a.eml', new BufferContent(Buffer.from('a')), { modifiedAt: SENT }));
      expect(err).to.be.instanceOf(PermissionDenied);
    });

    it('maps 507 to PermanentError with the reason', async () => {
      fx.graph.setQuota(drive(), 10);
      const err = await rejection(sink.create('a.eml', new BufferContent(Buffer.alloc(11, 1)), { modifiedAt: SENT }));
      expect(err).to.be.instanceOf(PermanentError);
      expect((err as Error).message).to.match(/insufficient storage/);
    });

    it('maps 400 pathIsTooLong to PermanentError', async () => {
      const deep = await fx.sink(`onedrive://${driveId}/${'d'.repeat(200)}/${'e'.repeat(150)}`);
      const err = await rejection(deep.create(`${'n'.repeat(60)}.eml`, new BufferContent(Buffer.from('a')), { modifiedAt: SENT }));
      expect(err).to.be.instanceOf(PermanentError);
      expect((err as Error).message).to.match(/path is too long/);
    });

    it('maps an unreachable Graph to TransientError', async () => {
      const s = await fx.sink(`onedrive://${driveId}/x`, { graphBaseUrl: 'https://127.0.0.1:1' });
      const err = await rejection(s.create('a.eml', new BufferContent(Buffer.from('a')), { modifiedAt: SENT }));
      expect(err).to.be.instanceOf(TransientError);
    });
  });
});
