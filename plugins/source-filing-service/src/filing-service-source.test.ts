import { readFile, writeFile } from 'node:fs/promises';
import { type AddressInfo } from 'node:net';
import { type Server, createServer } from 'node:http';
import path from 'node:path';
import { Readable } from 'node:stream';
import { text } from 'node:stream/consumers';
import { createGzip } from 'node:zlib';
import { setTimeout as sleep } from 'node:timers/promises';
import { expect } from 'chai';
import { pino } from 'pino';
import { AuthError, ConfigError, type Lease, LeaseHeld, LeaseLost, PermanentError, SecretRegistry, TransientError } from '@filing-sync/core';
import { type Fixture, TOKEN, message, startFixture } from './testing/fixture.js';
import { FilingServiceSource } from './filing-service-source.js';
import { resolveConfig } from './config.js';

async function rejection(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected a rejection');
}

describe('FilingServiceSource against the filing-service double', () => {
  let fx: Fixture;
  afterEach(async () => fx?.close());

  describe('lease', () => {
    beforeEach(async () => {
      fx = await startFixture(2);
    });

    it('acquires, renews and releases the tenant lease', async () => {
      const source = fx.source();
      const lease = await source.acquireLease('host-a (pid 1)', 30_000);
      expect(lease.holder).to.equal('host-a (pid 1)');
      expect(lease.expiresAt.getTime()).to.be.greaterThan(Date.now());
      expect(fx.double.lease()?.id).to.equal(lease.id);

      const renewed = await source.renewLease(lease, 60_000);
      expect(renewed.id).to.equal(lease.id);
      expect(renewed.expiresAt.getTime()).to.be.greaterThan(lease.expiresAt.getTime());
      expect(await source.leaseHolder()).to.deep.include({ holder: 'host-a (pid 1)' });

      await source.releaseLease(renewed);
      expect(fx.double.lease()).to.equal(undefined);
      expect(await source.leaseHolder()).to.equal(undefined);
      // Releasing a lease that is already gone is fine.
      await source.releaseLease(renewed);
    });

    it('rejects a second holder with LeaseHeld naming the holder and expiry', async () => {
      const a = await fx.source().acquireLease('host-a', 30_000);
      const err = await rejection(fx.source().acquireLease('host-b', 30_000));
      expect(err).to.be.instanceOf(LeaseHeld);
      expect((err as LeaseHeld).holder).to.equal('host-a');
      expect((err as LeaseHeld).expiresAt.toISOString()).to.equal(a.expiresAt.toISOString());
      expect((err as LeaseHeld).retryAfterMs).to.be.greaterThan(0);
      // The held lease is not retried as if it were throttling: one request only.
      expect(fx.double.requests.filter((r) => r.method === 'POST' && r.url.endsWith('/lease'))).to.have.length(2);
    });

    it('fences renew, claim and report with LeaseLost once the lease was taken over', async () => {
      const a = fx.source();
      const lease = await a.acquireLease('host-a', 30_000);
      const [filing] = await a.poll(lease, 1);
      fx.double.expireLease();
      await fx.source().acquireLease('host-b', 30_000);

      expect(await rejection(a.renewLease(lease, 30_000))).to.be.instanceOf(LeaseLost);
      const claimErr = await rejection(a.poll(lease, 10));
      expect(claimErr).to.be.instanceOf(LeaseLost);
      // The claim's answer is read as bytes (it may be multipart); its JSON error body is still read.
      expect(claimErr.message).to.equal(`The tenant lease was lost: Lease ${lease.id} is not the tenant's current lease.`);
      expect(await rejection(a.report(lease, filing!, [{ target: filing!.location.targets[0]!, outcome: 'created' }]))).to.be.instanceOf(LeaseLost);
      expect(fx.double.filing(filing!.id)!.reports).to.have.length(0);
      expect(fx.double.lease()?.holder).to.equal('host-b');
    });
  });

  describe('filings', () => {
    let lease: Lease;
    beforeEach(async () => {
      // Claims reserve for the double's default 30 s, so no test here depends on how fast its requests come.
      fx = await startFixture(5);
      lease = await fx.source().acquireLease('host-a', 30_000);
    });

    it('claims up to max filings with their location, targets and message summary', async () => {
      const filings = await fx.source().poll(lease, 2);
      expect(filings.map((f) => f.id)).to.deep.equal(['F1', 'F2']);
      expect(filings[1]).to.deep.equal({
        id: 'F2',
        tenant: 't1',
        location: { id: 'L2', name: 'Harbour Bridge', format: 'msg', targets: [path.join(fx.dir, 'out', 'harbour-a'), path.join(fx.dir, 'out', 'harbour-b')] },
        filedAt: '2026-11-28T15:00:00.000Z',
        message: {
          messageId: '<m2@example.test>',
          subject: 'Site visit 2',
          from: { name: 'Ann Example', address: 'ann@example.test' },
          sentAt: '2026-11-28T13:46:02.000Z',
          size: Buffer.byteLength(message(2)),
        },
      });
      // Reserved: the next claim gets the others.
      expect((await fx.source().poll(lease, 10)).map((f) => f.id)).to.deep.equal(['F3', 'F4', 'F5']);
      expect(await fx.source().poll(lease, 10)).to.deep.equal([]);
    });

    it('gets a claimed but unreported filing again once its reservation has lapsed', async () => {
      const source = fx.source();
      const first = await source.poll(lease, 1);
      fx.double.expireReservations();
      const again = await source.poll(lease, 1);
      expect(again.map((f) => f.id)).to.deep.equal(first.map((f) => f.id));
      expect(fx.double.filing('F1')!.deliveries).to.equal(2);
    });

    it('lists pending filings page by page without reserving them', async () => {
      const source = fx.source({ pageSize: 2 });
      await source.poll(lease, 1);
      const pending = await source.pending();
      expect(pending.map((f) => [f.id, f.state])).to.deep.equal([
        ['F1', 'claimed'],
        ['F2', 'pending'],
        ['F3', 'pending'],
        ['F4', 'pending'],
        ['F5', 'pending'],
      ]);
      expect(fx.double.requests.filter((r) => r.url.includes('/filings?'))).to.have.length(3);
      // Still claimable.
      expect((await source.poll(lease, 10)).map((f) => f.id)).to.deep.equal(['F2', 'F3', 'F4', 'F5']);
    });

    it('takes small messages from the claim itself, and fetches the others on their own', async () => {
      const big = message(98, '\r\n' + 'y'.repeat(76).concat('\r\n').repeat(4_000));
      await fx.double.addFiling({ id: 'BIG', location: 'L1', raw: big });
      const source = fx.source({ inlineContentMaxBytes: 100_000 });
      const filings = await source.poll(lease, 10);
      const contentRequests = () => fx.double.requests.filter((r) => r.url.endsWith('/content')).length;
      const f1 = filings.find((f) => f.id === 'F1')!;
      expect(await text(await source.content(lease, f1))).to.equal(await readFile(path.join(fx.dir, 'm1.eml'), 'utf8'));
      expect(contentRequests()).to.equal(0);
      // Raw bytes (multipart) preferred over base64 in JSON.
      expect(fx.double.requests.find((r) => r.url.endsWith('/claims'))!.headers.accept).to.equal('multipart/form-data, application/json;q=0.9');
      // Handed out once: a second read (a retry) asks the service.
      expect(await text(await source.content(lease, f1))).to.equal(await readFile(path.join(fx.dir, 'm1.eml'), 'utf8'));
      expect(contentRequests()).to.equal(1);
      expect(await text(await source.content(lease, filings.find((f) => f.id === 'BIG')!))).to.equal(big);
      expect(contentRequests()).to.equal(2);
    });

    it('asks for no inline contents when inlineContentMaxBytes is 0', async () => {
      const source = fx.source({ inlineContentMaxBytes: 0 });
      const [filing] = await source.poll(lease, 1);
      await text(await source.content(lease, filing!));
      expect(fx.double.requests.filter((r) => r.url.endsWith('/content'))).to.have.length(1);
    });

    it('streams the raw message bytes unchanged', async () => {
      const source = fx.source();
      const [filing] = await source.poll(lease, 1);
      const stream = await source.content(lease, filing!);
      expect(stream).to.be.instanceOf(Readable);
      expect(await text(stream)).to.equal(await readFile(path.join(fx.dir, 'm1.eml'), 'utf8'));
    });

    it('streams a large message without holding it in one buffer', async () => {
      const big = message(99, '\r\n' + 'x'.repeat(76).concat('\r\n').repeat(60_000));
      await fx.double.addFiling({ id: 'BIG', location: 'L1', raw: big });
      const source = fx.source();
      const stream = await source.content(lease, { ...(await source.pending()).find((f) => f.id === 'BIG')! });
      let chunks = 0;
      let bytes = 0;
      for await (const chunk of stream) {
        chunks++;
        bytes += (chunk as Buffer).length;
      }
      expect(bytes).to.equal(Buffer.byteLength(big));
      expect(chunks).to.be.greaterThan(1);
    });

    it('maps a filing the service no longer has to PermanentError', async () => {
      const [filing] = await fx.source().poll(lease, 1);
      const err = await rejection(fx.source().content(lease, { ...filing!, id: 'nope' }));
      expect(err).to.be.instanceOf(PermanentError);
      expect(err.message).to.contain('nope');
    });

    it('reports outcomes per target; reporting again is accepted and completes nothing twice', async () => {
      const source = fx.source();
      const [, f2] = await source.poll(lease, 2);
      const [a, b] = f2!.location.targets;
      await source.report(lease, f2!, [
        { target: a!, outcome: 'created', path: `${a}/x.msg`, bytes: 10, hash: { kind: 'sha256', value: 'ab' }, format: 'msg' },
        { target: b!, outcome: 'skipped', reason: 'Permission denied' },
      ]);
      let view = fx.double.filing('F2')!;
      expect(view.state).to.equal('done');
      expect(view.outcomes[a!]).to.deep.equal([{ target: a, outcome: 'created', path: `${a}/x.msg`, bytes: 10, hash: { kind: 'sha256', value: 'ab' }, format: 'msg' }]);
      expect(view.outcomes[b!]![0]).to.deep.include({ outcome: 'skipped', reason: 'Permission denied' });

      await source.report(lease, f2!, [{ target: a!, outcome: 'identical' }, { target: b!, outcome: 'skipped' }]);
      view = fx.double.filing('F2')!;
      expect(view.state).to.equal('done');
      expect(view.reports).to.have.length(2);
      expect((await source.pending()).map((f) => f.id)).to.not.include('F2');
    });

    it('sends reports made together in one request, each with its own result', async () => {
      const source = fx.source();
      const filings = await source.poll(lease, 5);
      const reportOf = (f: (typeof filings)[number]) => f.location.targets.map((target) => ({ target, outcome: 'created' as const }));
      const gone = { ...filings[0]!, id: 'F-unknown' };
      const results = await Promise.allSettled([...filings.map((f) => source.report(lease, f, reportOf(f))), source.report(lease, gone, reportOf(filings[0]!))]);
      expect(results.slice(0, 5).map((r) => r.status)).to.deep.equal(Array(5).fill('fulfilled'));
      const refused = results[5] as PromiseRejectedResult;
      expect(refused.reason).to.be.instanceOf(PermanentError);
      expect(refused.reason.message).to.contain('F-unknown');
      const requests = fx.double.requests.filter((r) => r.url.endsWith('/outcomes'));
      expect(requests).to.have.length(1);
      for (const f of filings) expect(fx.double.filing(f.id)!.state).to.equal('done');
      // A lone report goes out by itself, at once.
      await source.report(lease, filings[0]!, reportOf(filings[0]!));
      expect(fx.double.requests.filter((r) => r.url.endsWith('/outcomes'))).to.have.length(2);
    });

    it('rejects a report whose signal fires while it waits', async () => {
      const source = fx.source();
      const [f] = await source.poll(lease, 1);
      const controller = new AbortController();
      const pending = source.report(lease, f!, [{ target: f!.location.targets[0]!, outcome: 'created' }], controller.signal);
      controller.abort(new Error('stopping'));
      expect((await rejection(pending)).message).to.equal('stopping');
    });

    it('reads every page of locations', async () => {
      const locations = await fx.source({ pageSize: 1 }).locations();
      expect(locations.map((l) => l.id)).to.deep.equal(['L1', 'L2', 'L3']);
      expect(locations[2]!.targets).to.deep.equal([]);
      expect(fx.double.requests.filter((r) => r.url.includes('/locations'))).to.have.length(3);
    });

    it("tells the service's time", async () => {
      const t = await fx.source().serverTime();
      expect(Math.abs(t.getTime() - Date.now())).to.be.lessThan(60_000);
    });

    it('rejects with the AbortError when the signal fires', async () => {
      fx.double.faults.script({ kind: 'timeout', match: /claims/ });
      const controller = new AbortController();
      const pending = fx.source({ timeoutMs: 30_000 }).poll(lease, 1, controller.signal);
      setTimeout(() => controller.abort(), 50);
      const err = await rejection(pending);
      expect(err.name).to.equal('AbortError');
    });
  });

  describe('failures', () => {
    beforeEach(async () => {
      fx = await startFixture(2);
    });

    it('retries 429, 503, resets and timeouts, waiting at least Retry-After', async () => {
      // The double holds the request far longer than the client waits, so that the client's own timeout ends it.
      await fx.close();
      fx = await startFixture(2, { faultTimeoutMs: 30_000 });
      const source = fx.source({ timeoutMs: 2_000, retry: { maxAttempts: 5, baseDelayMs: 10, maxDelayMs: 50 } });
      fx.double.faults.script({ kind: '429', match: /locations/, retryAfterSeconds: 1 });
      fx.double.faults.script({ kind: '503', match: /locations/, retryAfterSeconds: 1 });
      fx.double.faults.script({ kind: 'reset', match: /locations/ });
      fx.double.faults.script({ kind: 'timeout', match: /locations/ });
      const locations = await source.locations();
      expect(locations).to.have.length(3);
      expect(fx.double.requests.filter((r) => r.url.includes('/locations'))).to.have.length(5);
      const retries = fx.log.map((l) => JSON.parse(l) as { msg: string; delayMs: number; attempt: number; reason: string }).filter((l) => l.msg.includes('retrying'));
      expect(retries.map((r) => r.attempt)).to.deep.equal([1, 2, 3, 4]);
      // Retry-After: 1 → never less than a second after the 429 and the 503.
      expect(retries[0]!.delayMs).to.be.at.least(1000);
      expect(retries[1]!.delayMs).to.be.at.least(1000);
      // The hung request ended by the client's timeout, not by the double dropping it.
      expect(retries[3]!.reason).to.match(/timeout of 2000ms exceeded/);
    });

    it('gives the engine a TransientError with retryAfterMs when the retries run out', async () => {
      for (let i = 0; i < 2; i++) fx.double.faults.script({ kind: '503', match: /locations/, retryAfterSeconds: 0 });
      const err = await rejection(fx.source({ retry: { maxAttempts: 2, baseDelayMs: 1, maxDelayMs: 1 } }).locations());
      expect(err).to.be.instanceOf(TransientError);
      expect((err as TransientError).retryAfterMs).to.equal(0);
      expect(err.message).to.contain('503');
    });

    it('claims every filing when one inline message is unusable, fetching that one on its own; a claim answer cut off is transient', async () => {
      const B = 'b0undary';
      const location = { id: 'L1', name: 'Mill Lane', format: 'eml', targets: ['/srv/x'] };
      const item = (id: string) => ({ id, tenant: 't1', location, filedAt: '2026-11-28T14:46:13Z', message: { subject: id } });
      const page = JSON.stringify({ items: [item('F1'), item('F2')], reservedUntil: '2026-11-28T15:00:00Z' });
      const part = (name: string, type: string, body: string) => `--${B}\r\nContent-Disposition: form-data; name="${name}"\r\nContent-Type: ${type}\r\n\r\n${body}\r\n`;
      let cutOff = false;
      const fetched: string[] = [];
      const server = createServer((req, res) => {
        req.resume();
        if (req.url?.endsWith('/claims')) {
          const body = part('page', 'application/json', page) + part('items[0].content', 'text/plain', 'not a message') + part('items[1].content', 'message/rfc822', 'Subject: F2\r\n\r\nx') + `--${B}--\r\n`;
          res.writeHead(200, { 'content-type': `multipart/form-data; boundary=${B}` });
          res.end(cutOff ? body.slice(0, body.length - 40) : body);
          return;
        }
        fetched.push(req.url ?? '');
        res.writeHead(200, { 'content-type': 'message/rfc822' });
        res.end('Subject: F1\r\n\r\nfetched on its own');
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      try {
        const source = fx.source({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, inlineContentMaxBytes: 100_000, retry: { maxAttempts: 1, baseDelayMs: 1, maxDelayMs: 1 } });
        const lease: Lease = { id: 'L', holder: 'h', expiresAt: new Date(Date.now() + 60_000) };
        const filings = await source.poll(lease, 10);
        expect(filings.map((f) => f.id)).to.deep.equal(['F1', 'F2']);
        expect(await text(await source.content(lease, filings[1]!))).to.equal('Subject: F2\r\n\r\nx');
        expect(fetched, 'F2 came with the claim').to.deep.equal([]);
        expect(await text(await source.content(lease, filings[0]!))).to.equal('Subject: F1\r\n\r\nfetched on its own');
        expect(fetched).to.have.length(1);
        expect(fetched[0]).to.match(/\/filings\/F1\/content$/);

        cutOff = true;
        const err = await rejection(source.poll(lease, 10));
        expect(err).to.be.instanceOf(TransientError);
        expect(err.message).to.match(/claim: unreadable reply/);
      } finally {
        server.closeAllConnections();
        server.close();
      }
    });

    for (const encoding of ['identity', 'gzip']) {
      it(`fails a message body that stalls with TransientError (${encoding})`, async () => {
        // The body starts, then nothing more comes: a hung proxy or a stuck service.
        const server = createServer((_req, res) => {
          res.writeHead(200, { 'content-type': 'message/rfc822', ...(encoding === 'gzip' ? { 'content-encoding': 'gzip' } : {}) });
          const first = Buffer.from(`Subject: stalled\r\n\r\n${'a'.repeat(70_000)}`);
          if (encoding === 'gzip') {
            const zip = createGzip();
            zip.pipe(res);
            zip.write(first);
            zip.flush();
          } else res.write(first);
        });
        await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
        try {
          const source = fx.source({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, timeoutMs: 300 });
          const stream = await source.content({ id: 'L', holder: 'h', expiresAt: new Date() }, { id: 'F1' } as never);
          // Bounded here, so that a guard that does not fire fails the test instead of hanging it.
          const outcome = await Promise.race([text(stream).then(() => 'ended', (err: unknown) => err), sleep(5_000).then(() => 'still waiting after 5 s')]);
          stream.destroy();
          expect(outcome).to.be.instanceOf(TransientError);
          expect((outcome as Error).message).to.match(/stalled for 300 ms/);
        } finally {
          server.closeAllConnections();
          server.close();
        }
      });
    }

    it('maps 401 to AuthError without retrying', async () => {
      const err = await rejection(fx.source({ token: 'wrong' }).locations());
      expect(err).to.be.instanceOf(AuthError);
      expect(err.message).to.contain('401');
      expect(fx.double.requests).to.have.length(1);
    });

    it('maps 403 (token of another tenant) to AuthError', async () => {
      const err = await rejection(fx.source({ tenant: 'other' }).locations());
      expect(err).to.be.instanceOf(AuthError);
      expect(err.message).to.contain('other');
    });

    it('maps a URL that is not the API to ConfigError naming source.url', async () => {
      const err = await rejection(fx.source({ url: `${fx.double.url}/nothing-here` }).locations());
      expect(err).to.be.instanceOf(ConfigError);
      expect((err as ConfigError).issues[0]!.key).to.equal('source.url');
    });

    it('maps a refused connection to TransientError after its retries', async () => {
      const url = fx.double.url;
      await fx.double.close();
      const err = await rejection(fx.source({ url }).locations());
      expect(err).to.be.instanceOf(TransientError);
      expect(err.message).to.match(/ECONNREFUSED/);
    });

    it('reads the token from tokenFile, and again after a 401 when it was rotated', async () => {
      const file = path.join(fx.dir, 'token');
      await writeFile(file, 'old-token\n');
      const source = fx.source({ token: undefined, tokenFile: file });
      expect(await rejection(source.locations())).to.be.instanceOf(AuthError);
      await writeFile(file, `${TOKEN}\n`);
      expect(await source.locations()).to.have.length(3);
    });

    it('reads the token file again after a 401 without spending a retry: one attempt still ends in AuthError, or succeeds', async () => {
      const file = path.join(fx.dir, 'token');
      await writeFile(file, 'old-token\n');
      const source = fx.source({ token: undefined, tokenFile: file, retry: { maxAttempts: 1, baseDelayMs: 0, maxDelayMs: 0 } });
      const err = await rejection(source.locations());
      expect(err).to.be.instanceOf(AuthError);
      expect(err.message).to.contain('401');
      // The request, and the one with the token read again.
      expect(fx.double.requests).to.have.length(2);
      await writeFile(file, `${TOKEN}\n`);
      expect(await source.locations()).to.have.length(3);
    });

    it('registers the token it reads from tokenFile as a secret, so logs blank it', async () => {
      const file = path.join(fx.dir, 'token');
      await writeFile(file, `${TOKEN}\n`);
      const secrets = new SecretRegistry();
      expect(await fx.source({ token: undefined, tokenFile: file }, secrets).locations()).to.have.length(3);
      expect(secrets.scrub(`Bearer ${TOKEN}`)).to.equal('Bearer [redacted]');
    });

    it('names source.tokenFile when the file cannot be read', async () => {
      const err = await rejection(fx.source({ token: undefined, tokenFile: path.join(fx.dir, 'missing') }).locations());
      expect(err).to.be.instanceOf(ConfigError);
      expect((err as ConfigError).issues[0]!.key).to.equal('source.tokenFile');
    });

    it('never puts the token in a log line or in a logged error', async () => {
      const source = fx.source();
      fx.double.faults.script({ kind: '503', match: /locations/ });
      fx.double.faults.script({ kind: 'reset', match: /locations/ });
      await source.locations();
      const lease = await source.acquireLease('host-a', 30_000);
      const errors = [
        await rejection(fx.source().acquireLease('host-b', 30_000)),
        await rejection(fx.source({ tenant: 'other' }).locations()),
        await rejection(source.content(lease, { id: 'missing' } as never)),
        await rejection(fx.source({ retry: { maxAttempts: 1, baseDelayMs: 0, maxDelayMs: 0 } }).poll({ ...lease, id: 'stale' }, 1)),
      ];
      const { pino } = await import('pino');
      const lines: string[] = [];
      const logger = pino({ level: 'trace' }, { write: (s: string) => void lines.push(s) });
      for (const err of errors) logger.error({ err }, 'failed');
      const all = [...fx.log, ...lines].join('\n');
      expect(fx.log.length).to.be.greaterThan(0);
      expect(all).to.not.contain(TOKEN);
      expect(JSON.stringify(errors.map((e) => ({ ...e, cause: (e as { cause?: unknown }).cause })))).to.not.contain(TOKEN);
    });

    it('drains every filing with a 30% fault rate', async () => {
      await fx.close();
      // The double drops its hung requests itself, long before the client's timeout (tested on its own above): a
      // stalled machine then cannot time out a claim the double already answered, which would leave those filings reserved.
      fx = await startFixture(20, { failRate: 0.3, faultSeed: 7, retryAfterSeconds: 0, faultTimeoutMs: 300 });
      const source = fx.source({ retry: { maxAttempts: 12, baseDelayMs: 5, maxDelayMs: 50 } });
      const lease = await source.acquireLease('host-a', 60_000);
      for (let round = 0; round < 20; round++) {
        const filings = await source.poll(lease, 5);
        if (filings.length === 0) break;
        for (const f of filings) {
          const bytes = await text(await source.content(lease, f));
          expect(bytes).to.equal(message(Number(f.id.slice(1))));
          await source.report(lease, f, f.location.targets.map((target) => ({ target, outcome: 'created' as const })));
        }
      }
      const filings = fx.double.filings();
      expect(filings.filter((f) => f.state === 'done')).to.have.length(20);
      expect(fx.double.faults.injected['429'] + fx.double.faults.injected['503'] + fx.double.faults.injected.reset + fx.double.faults.injected.timeout).to.be.greaterThan(5);
    });
  });

  describe('claim answers of other services', () => {
    let server: Server | undefined;
    afterEach(() => server?.close());

    /** A service whose every claim is answered with `type` and `body`. */
    async function serviceAnswering(type: string, body: string | Buffer): Promise<FilingServiceSource> {
      server = createServer((req, res) => {
        req.resume();
        res.writeHead(200, { 'content-type': type, 'content-length': String(Buffer.byteLength(body)) });
        res.end(body);
      });
      await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      return new FilingServiceSource(resolveConfig({ url, tenant: 't1', token: TOKEN, timeoutMs: 1_000, inlineContentMaxBytes: 1_000 }), pino({ level: 'silent' }));
    }
    const lease: Lease = { id: 'lease-1', holder: 'host-a', expiresAt: new Date(Date.now() + 60_000) };
    const item = (id: string) => ({ id, tenant: 't1', location: { id: 'L1', name: 'Site', format: 'eml', targets: ['/srv/site'] }, filedAt: '2026-11-28T15:00:00Z', message: {} });

    it('takes base64 inline messages from a service that answers only JSON', async () => {
      const page = { items: [{ ...item('F1'), content: Buffer.from(message(1)).toString('base64') }, item('F2')], reservedUntil: '2026-11-28T15:05:00Z' };
      const source = await serviceAnswering('application/json', JSON.stringify(page));
      const [f1] = await source.poll(lease, 10);
      expect(await text(await source.content(lease, f1!))).to.equal(message(1));
    });

    it('keeps each inline message with its own filing when an item before it cannot be used', async () => {
      const page = JSON.stringify({ items: [{ id: 'BAD' }, item('F2'), item('F3')], reservedUntil: '2026-11-28T15:05:00Z' });
      const b = 'xyz';
      const part = (name: string, type: string, body: string) => `--${b}\r\nContent-Disposition: form-data; name="${name}"\r\nContent-Type: ${type}\r\n\r\n${body}\r\n`;
      const body = part('page', 'application/json', page) + part('items[0].content', 'message/rfc822', message(1)) + part('items[2].content', 'message/rfc822', message(3)) + `--${b}--\r\n`;
      const source = await serviceAnswering(`multipart/form-data; boundary=${b}`, body);
      const filings = await source.poll(lease, 10);
      expect(filings.map((f) => f.id)).to.deep.equal(['F2', 'F3']);
      expect(await text(await source.content(lease, filings[1]!))).to.equal(message(3));
    });

    it('fails a claim answer that stalls part way with TransientError, within the timeout: its filings come back', async () => {
      const page = JSON.stringify({ items: [item('F1')], reservedUntil: '2026-11-28T15:05:00Z' });
      server = createServer((req, res) => {
        req.resume();
        res.writeHead(200, { 'content-type': 'multipart/form-data; boundary=xyz' });
        // The page and the start of a message, then nothing more.
        res.write(`--xyz\r\nContent-Disposition: form-data; name="page"\r\nContent-Type: application/json\r\n\r\n${page}\r\n--xyz\r\nContent-Disposition: form-data; name="items[0].content"\r\nContent-Type: message/rfc822\r\n\r\nSubject: F1\r\n`);
      });
      await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const source = new FilingServiceSource(resolveConfig({ url, tenant: 't1', token: TOKEN, timeoutMs: 300, inlineContentMaxBytes: 1_000 }), pino({ level: 'silent' }));
      try {
        // Bounded here, so that a guard that does not fire fails the test instead of hanging it.
        const outcome = await Promise.race([source.poll(lease, 10).then(() => 'answered', (err: unknown) => err), sleep(5_000).then(() => 'still waiting after 5 s')]);
        expect(outcome).to.be.instanceOf(TransientError);
        expect((outcome as Error).message).to.match(/^Filing service claim: unreadable reply: .*stalled for 300 ms/);
      } finally {
        server.closeAllConnections();
      }
    });

    it('refuses a multipart answer that does not match the API, naming the part, as a passing failure: its filings come back', async () => {
      const source = await serviceAnswering('multipart/form-data; boundary=xyz', '--xyz\r\nContent-Disposition: form-data; name="items[0].content"\r\nContent-Type: message/rfc822\r\n\r\nx\r\n--xyz--\r\n');
      const err = await rejection(source.poll(lease, 10));
      expect(err).to.be.instanceOf(TransientError);
      expect(err.message).to.equal('Filing service claim: unreadable reply: items[0].content: expected a part after the page, found "a part before it".');
    });
  });
});
