import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { startFilingServiceDouble, type FilingServiceDouble } from './double.js';
import { ManifestError, resolveManifest } from './manifest.js';

const SERVER = path.join(path.dirname(fileURLToPath(import.meta.url)), 'server.js');

const EML = [
  'Message-ID: <a@example.test>',
  'Date: Mon, 02 Mar 2026 09:30:00 +0000',
  'From: =?UTF-8?Q?Zo=C3=AB?= <zoe@example.test>',
  'Subject: =?UTF-8?B?5Lya6K2w?= minutes',
  '',
  'Body',
  '',
].join('\r\n');

describe('filing-service double', () => {
  let dir: string;
  let double: FilingServiceDouble | undefined;

  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'fs-double-'));
    await writeFile(path.join(dir, 'a.eml'), EML);
    await writeFile(path.join(dir, 'bare.eml'), 'just a body, no headers at all');
    await writeFile(
      path.join(dir, 'manifest.json'),
      JSON.stringify({
        tenant: 't1',
        token: 'secret',
        locations: [
          { id: 'L1', name: 'Surrey Court', format: 'eml', targets: ['./var/filed/Surrey Court/email', '/abs/other', 'onedrive:/Projects/Surrey'] },
        ],
        filings: [
          { id: 'F1', location: 'L1', eml: 'a.eml' },
          { id: 'F2', location: 'L1', eml: 'bare.eml', filedAt: '2026-03-02T10:00:00+01:00' },
        ],
      }),
    );
  });

  afterEach(async () => {
    await double?.close();
    double = undefined;
    await rm(dir, { recursive: true, force: true });
  });

  const api = (path: string, init: RequestInit = {}, token = 'secret') =>
    fetch(`${double!.url}/v1/tenants/t1${path}`, {
      ...init,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...(init.headers as Record<string, string> | undefined) },
    });
  const post = (path: string, body: unknown) => api(path, { method: 'POST', body: JSON.stringify(body) });

  it('serves the manifest: relative eml paths against its folder, relative targets against targetRoot', async () => {
    double = await startFilingServiceDouble({ manifest: path.join(dir, 'manifest.json'), targetRoot: '/srv/demo' });
    const locations = (await (await api('/locations')).json()) as { items: { targets: string[] }[] };
    expect(locations.items[0]!.targets).to.deep.equal(['/srv/demo/var/filed/Surrey Court/email', '/abs/other', 'onedrive:/Projects/Surrey']);
    const view = double.filings();
    expect(view.map((f) => [f.id, f.state, f.filedAt])).to.deep.equal([
      ['F1', 'pending', view[0]!.filedAt],
      ['F2', 'pending', '2026-03-02T09:00:00.000Z'],
    ]);
  });

  it('parses the summary from the headers, decoding encoded words, and copes with a message without headers', async () => {
    double = await startFilingServiceDouble({ manifest: path.join(dir, 'manifest.json') });
    expect(double.filing('F1')!.message).to.deep.equal({
      size: Buffer.byteLength(EML),
      messageId: '<a@example.test>',
      subject: '会議 minutes',
      from: { name: 'Zoë', address: 'zoe@example.test' },
      sentAt: '2026-03-02T09:30:00.000Z',
    });
    expect(double.filing('F2')!.message).to.deep.equal({ size: 30 });
  });

  it('reports every manifest problem at once, naming the field', () => {
    let err: unknown;
    try {
      resolveManifest(
        { tenant: 't1', locations: [{ id: 'L1', name: 'A', format: 'eml', targets: 'x' }], filings: [{ id: 'F1', location: 'L9', eml: 'a.eml' }, { id: 'F1', location: 'L1', eml: 'b.eml', filedAt: 'soon' }] },
        { baseDir: dir },
      );
    } catch (e) {
      err = e;
    }
    expect(err).to.be.instanceOf(ManifestError);
    const problems = (err as ManifestError).problems.join('\n');
    expect(problems).to.contain('token: expected a non-empty string');
    expect(problems).to.contain('locations[0].targets: expected an array');
    expect(problems).to.contain('filings[0].location: expected one of the location ids, found "L9"');
    expect(problems).to.contain('filings[1].id: "F1" is used twice');
    expect(problems).to.contain('filings[1].filedAt: expected an ISO 8601 date-time');
  });

  it('names the filing whose message file is missing', async () => {
    const err = await startFilingServiceDouble({
      manifest: { tenant: 't', token: 's', locations: [{ id: 'L', name: 'L', format: 'eml', targets: [] }], filings: [{ id: 'FX', location: 'L', eml: 'nope.eml' }] },
      manifestDir: dir,
    }).catch((e: Error) => e);
    expect((err as Error).message).to.contain('filing FX').and.contain(path.join(dir, 'nope.eml'));
  });

  it('answers with one error shape: 401 with WWW-Authenticate, 400 naming the field', async () => {
    double = await startFilingServiceDouble({ manifest: path.join(dir, 'manifest.json') });
    const unauthorised = await api('/locations', {}, 'wrong');
    expect(unauthorised.status).to.equal(401);
    expect(unauthorised.headers.get('www-authenticate')).to.match(/^Bearer/);
    expect(await unauthorised.json()).to.deep.equal({ error: { code: 'unauthorized', message: 'Missing or invalid bearer token.' } });

    const bad = await post('/lease', { holder: 'a', ttlSeconds: -1 });
    expect(bad.status).to.equal(400);
    expect(((await bad.json()) as { error: { code: string; message: string } }).error).to.deep.include({ code: 'invalid_request' }).and.satisfy((e: { message: string }) => e.message.startsWith('ttlSeconds:'));
  });

  it('issues a new lease id to the same holder and fences the old one', async () => {
    double = await startFilingServiceDouble({ manifest: path.join(dir, 'manifest.json') });
    const first = (await (await post('/lease', { holder: 'h', ttlSeconds: 30 })).json()) as { id: string };
    const second = (await (await post('/lease', { holder: 'h', ttlSeconds: 30 })).json()) as { id: string };
    expect(second.id).to.not.equal(first.id);
    const stale = await post('/claims', { leaseId: first.id, max: 1 });
    expect(stale.status).to.equal(409);
    expect(((await stale.json()) as { error: { code: string } }).error.code).to.equal('lease_lost');
    expect((await post('/claims', { leaseId: second.id, max: 1 })).status).to.equal(200);
  });

  it('keeps every lease grant with its holder and end: renewed, replaced, released and expired', async () => {
    double = await startFilingServiceDouble({ manifest: path.join(dir, 'manifest.json') });
    const a = (await (await post('/lease', { holder: 'a', ttlSeconds: 30 })).json()) as { id: string };
    await api(`/lease/${a.id}`, { method: 'PUT', body: JSON.stringify({ ttlSeconds: 60 }) });
    const renewedUntil = double.leaseHistory()[0]!.endsAt;
    expect(renewedUntil).to.be.above(double.leaseHistory()[0]!.grantedAt + 30_000); // the renewal moved the end
    await api(`/lease/${a.id}`, { method: 'DELETE' });
    const b = (await (await post('/lease', { holder: 'b', ttlSeconds: 30 })).json()) as { id: string };
    double.expireLease();
    const history = double.leaseHistory();
    expect(history.map((g) => [g.id, g.holder])).to.deep.equal([[a.id, 'a'], [b.id, 'b']]);
    expect(history[0]!.endsAt).to.be.below(renewedUntil);
    expect(history[0]!.endsAt).to.be.at.most(history[1]!.grantedAt);
    expect(history[1]!.endsAt).to.be.below(history[1]!.grantedAt + 30_000);
  });

  it('keeps a partly reported filing queued, redelivers it, and completes it when every target is reported', async () => {
    // The default (long) reservation holds however slowly the requests come; the test ends it itself.
    double = await startFilingServiceDouble({ manifest: path.join(dir, 'manifest.json') });
    const { id: leaseId } = (await (await post('/lease', { holder: 'h', ttlSeconds: 30 })).json()) as { id: string };
    await post('/claims', { leaseId, max: 1 });
    const partial = await post('/filings/F1/outcomes', { leaseId, outcomes: [{ target: '/abs/other', outcome: 'created' }] });
    expect(await partial.json()).to.deep.equal({ id: 'F1', state: 'claimed' });

    const unknown = await post('/filings/F1/outcomes', { leaseId, outcomes: [{ target: '/abs/elsewhere', outcome: 'created' }] });
    expect(unknown.status).to.equal(400);
    expect(((await unknown.json()) as { error: { message: string } }).error.message).to.match(/^outcomes\[0\]\.target/);

    // Still reserved: a claim now gets the next filing, not F1.
    const next = (await (await post('/claims', { leaseId, max: 1 })).json()) as { items: { id: string }[] };
    expect(next.items.map((f) => f.id)).to.deep.equal(['F2']);
    double.expireReservations();
    const again = (await (await post('/claims', { leaseId, max: 1 })).json()) as { items: { id: string }[] };
    expect(again.items.map((f) => f.id)).to.deep.equal(['F1']);

    const rest = await post('/filings/F1/outcomes', {
      leaseId,
      outcomes: [
        { target: './var/filed/Surrey Court/email', outcome: 'identical' },
        { target: 'onedrive:/Projects/Surrey', outcome: 'skipped', reason: 'denied' },
      ],
    });
    expect(await rest.json()).to.deep.equal({ id: 'F1', state: 'done' });
    const inspected = (await (await fetch(`${double.url}/_double/filings`)).json()) as { filings: { id: string; state: string; deliveries: number; outcomes: Record<string, unknown[]> }[] };
    const f1 = inspected.filings.find((f) => f.id === 'F1')!;
    expect(f1).to.deep.include({ state: 'done', deliveries: 2 });
    expect(Object.keys(f1.outcomes)).to.have.members(['/abs/other', './var/filed/Surrey Court/email', 'onedrive:/Projects/Surrey']);
  });

  it('records a batch of reports entry by entry, refusing a stale lease as a whole', async () => {
    double = await startFilingServiceDouble({ manifest: path.join(dir, 'manifest.json') });
    const { id: leaseId } = (await (await post('/lease', { holder: 'h', ttlSeconds: 30 })).json()) as { id: string };
    const batch = await post('/outcomes', {
      leaseId,
      reports: [
        { filingId: 'F1', outcomes: [{ target: '/abs/other', outcome: 'created' }] },
        { filingId: 'F-none', outcomes: [] },
        { filingId: 'F1', outcomes: [{ target: '/abs/elsewhere', outcome: 'created' }] },
      ],
    });
    expect(batch.status).to.equal(200);
    const { results } = (await batch.json()) as { results: { id: string; state?: string; error?: { code: string; message: string } }[] };
    expect(results[0]).to.deep.equal({ id: 'F1', state: 'pending' });
    expect(results[1]!.error!.code).to.equal('filing_not_found');
    expect(results[2]!.error).to.deep.include({ code: 'invalid_request' });
    expect(results[2]!.error!.message).to.match(/^reports\[2\]\.outcomes\[0\]\.target/);
    expect(double.filing('F1')!.reports).to.have.length(1);

    expect((await post('/outcomes', { leaseId, reports: [] })).status).to.equal(400);
    const stale = await post('/outcomes', { leaseId: 'not-the-lease', reports: [{ filingId: 'F1', outcomes: [{ target: '/abs/other', outcome: 'created' }] }] });
    expect(stale.status).to.equal(409);
    expect(double.filing('F1')!.reports).to.have.length(1);
  });

  it('inlines contents up to the asked size and the 8 MiB budget, and serves a changed file as it now is', async () => {
    double = await startFilingServiceDouble({ manifest: path.join(dir, 'manifest.json'), visibilityTimeoutMs: 100 });
    const big = `Subject: big\r\n\r\n${'z'.repeat(1_000_000)}\r\n`;
    for (let i = 0; i < 10; i++) await double.addFiling({ id: `B${i}`, location: 'L1', raw: big });
    const { id: leaseId } = (await (await post('/lease', { holder: 'h', ttlSeconds: 30 })).json()) as { id: string };
    type Claim = { items: { id: string; content?: string }[]; reservedUntil: string };
    const claim = async (inlineContentMaxBytes: number) => (await (await post('/claims', { leaseId, max: 20, inlineContentMaxBytes })).json()) as Claim;

    const first = await claim(1_048_576);
    expect(first.items.map((f) => f.id)).to.deep.equal(['F1', 'F2', ...Array.from({ length: 10 }, (_, i) => `B${i}`)]);
    expect(Buffer.from(first.items[0]!.content!, 'base64').toString()).to.equal(EML);
    const inlined = first.items.filter((f) => f.id.startsWith('B') && f.content !== undefined);
    // 8 MiB holds eight of the 1 MB messages after the two small ones; the rest are fetched on their own.
    expect(inlined.map((f) => f.id)).to.deep.equal(['B0', 'B1', 'B2', 'B3', 'B4', 'B5', 'B6', 'B7']);
    expect(Buffer.from(inlined[0]!.content!, 'base64').toString()).to.equal(big);
    expect(first.reservedUntil).to.match(/^\d{4}-\d\d-\d\dT[\d:.]+Z$/);

    await writeFile(path.join(dir, 'a.eml'), EML.replace('Body', 'Changed body'));
    await new Promise((r) => setTimeout(r, 150));
    const again = await claim(1000);
    expect(Buffer.from(again.items.find((f) => f.id === 'F1')!.content!, 'base64').toString()).to.include('Changed body');
    expect(again.items.find((f) => f.id === 'B0')!.content, 'over the asked size').to.equal(undefined);
  });

  it('answers a claim that prefers multipart/form-data with a page part and the raw messages', async () => {
    double = await startFilingServiceDouble({ manifest: path.join(dir, 'manifest.json') });
    const { id: leaseId } = (await (await post('/lease', { holder: 'h', ttlSeconds: 30 })).json()) as { id: string };
    const claim = (accept: string | undefined, inlineContentMaxBytes: number) =>
      api('/claims', { method: 'POST', body: JSON.stringify({ leaseId, max: 1, inlineContentMaxBytes }), headers: accept ? { accept } : {} });

    const multipart = await claim('multipart/form-data, application/json;q=0.9', 1000);
    expect(multipart.headers.get('content-type')).to.match(/^multipart\/form-data; boundary=/);
    // Parsed by the platform's own form-data reader, not by the connector's.
    const form = await multipart.formData();
    expect([...form.keys()]).to.deep.equal(['page', 'items[0].content']);
    const page = JSON.parse(form.get('page') as string) as { items: { id: string; content?: string }[] };
    expect(page.items.map((f) => [f.id, f.content])).to.deep.equal([['F1', undefined]]);
    const content = form.get('items[0].content') as File;
    expect([content.type, content.name]).to.deep.equal(['message/rfc822', 'message.eml']);
    expect(Buffer.from(await content.arrayBuffer()).toString()).to.equal(EML);

    // JSON when the client prefers it, names no type, or asks for nothing inline.
    for (const [accept, inline] of [['application/json, multipart/form-data;q=0.5', 1000], [undefined, 1000], ['multipart/form-data', 0]] as const) {
      const res = await claim(accept, inline);
      expect(res.headers.get('content-type'), `${accept} ${inline}`).to.equal('application/json');
      await res.arrayBuffer();
    }
    // A message over the asked size stays out of the answer: with nothing inline, the answer is JSON.
    await double.addFiling({ id: 'B0', location: 'L1', raw: `Subject: big\r\n\r\n${'z'.repeat(5_000)}\r\n` });
    const last = await claim('multipart/form-data', 1000);
    expect(last.headers.get('content-type')).to.equal('application/json');
    expect(await last.text()).to.include('"id":"B0"').and.not.include('"content"');
  });

  it('serves a message file as it now is, whole up to 4 MiB and streamed above, and 404 once the file is gone', async () => {
    double = await startFilingServiceDouble({ manifest: path.join(dir, 'manifest.json') });
    const small = await api('/filings/F1/content');
    expect(small.headers.get('content-type')).to.equal('message/rfc822');
    expect(small.headers.get('content-length')).to.equal(String(Buffer.byteLength(EML)));
    expect(await small.text()).to.equal(EML);
    const large = Buffer.from(`Subject: large\r\n\r\n${'y'.repeat(5 * 1024 * 1024)}\r\n`);
    await writeFile(path.join(dir, 'large.eml'), large);
    await double.addFiling({ id: 'L', location: 'L1', eml: path.join(dir, 'large.eml') });
    const streamed = await api('/filings/L/content');
    expect(streamed.headers.get('content-length')).to.equal(String(large.length));
    expect(Buffer.from(await streamed.arrayBuffer()).equals(large)).to.equal(true);
    await rm(path.join(dir, 'a.eml'));
    const gone = await api('/filings/F1/content');
    expect(gone.status).to.equal(404);
    expect(((await gone.json()) as { error: { code: string } }).error.code).to.equal('filing_not_found');
  });

  it('adds filings at run time, over the handle and over HTTP', async () => {
    double = await startFilingServiceDouble({ manifest: path.join(dir, 'manifest.json') });
    await double.addFiling({ id: 'F3', location: 'L1', raw: EML });
    const res = await fetch(`${double.url}/_double/filings`, { method: 'POST', body: JSON.stringify({ id: 'F4', location: 'L1', eml: path.join(dir, 'a.eml') }) });
    expect(res.status).to.equal(201);
    const refused = await fetch(`${double.url}/_double/filings`, { method: 'POST', body: JSON.stringify({ id: 'F5', location: 'nope', raw: EML }) });
    expect(refused.status).to.equal(400);
    const pending = (await (await api('/filings')).json()) as { items: { id: string }[] };
    expect(pending.items.map((f) => f.id)).to.deep.equal(['F1', 'F2', 'F3', 'F4']);
    expect(await (await api('/filings/F3/content')).text()).to.equal(EML);
  });

  it('injects throttling with Retry-After in the API error shape, and spares the inspection routes', async () => {
    double = await startFilingServiceDouble({ manifest: path.join(dir, 'manifest.json'), failRate: 1, faultKinds: ['429', '503'], retryAfterSeconds: 3 });
    const res = await api('/locations');
    expect([429, 503]).to.include(res.status);
    expect(res.headers.get('retry-after')).to.equal('3');
    expect(((await res.json()) as { error: { code: string } }).error.code).to.be.oneOf(['throttled', 'unavailable']);
    expect((await fetch(`${double.url}/_double/filings`)).status).to.equal(200);
    double.setFailRate(0);
    expect((await api('/locations')).status).to.equal(200);
    // Each injected fault is logged with its request and Retry-After, for tests that check the client's waits.
    expect(double.faults.log).to.have.length(1);
    expect(double.faults.log[0]).to.include({ method: 'GET', url: '/v1/tenants/t1/locations', retryAfterSeconds: 3 });
    expect(double.faults.log[0]!.kind).to.be.oneOf(['429', '503']);
  });

  describe('as a program', () => {
    it('prints the listening line first, serves the manifest, and stops on SIGTERM', async () => {
      const child = spawn(process.execPath, [SERVER, '--port', '0', '--manifest', path.join(dir, 'manifest.json'), '--target-root', dir], { stdio: ['ignore', 'pipe', 'pipe'] });
      const lines = createInterface({ input: child.stdout! });
      const [first] = (await once(lines, 'line')) as [string];
      expect(first).to.match(/^listening on http:\/\/127\.0\.0\.1:\d+$/);
      const url = first.slice('listening on '.length);
      const res = await fetch(`${url}/v1/tenants/t1/locations`, { headers: { authorization: 'Bearer secret' } });
      expect(((await res.json()) as { items: { targets: string[] }[] }).items[0]!.targets[0]).to.equal(path.join(dir, 'var/filed/Surrey Court/email'));
      child.kill('SIGTERM');
      const [code] = (await once(child, 'exit')) as [number];
      expect(code).to.equal(0);
    });

    it('exits non-zero naming the bad option or manifest field', async () => {
      const run = async (args: string[]) => {
        const child = spawn(process.execPath, [SERVER, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
        let stderr = '';
        child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
        const [code] = (await once(child, 'exit')) as [number];
        return { code, stderr };
      };
      const rate = await run(['--manifest', path.join(dir, 'manifest.json'), '--fail-rate', '2']);
      expect(rate.code).to.equal(2);
      expect(rate.stderr).to.contain('--fail-rate: expected a number from 0 to 1');
      await writeFile(path.join(dir, 'bad.json'), JSON.stringify({ tenant: 't', token: 's', locations: [], filings: [{ id: 'F', location: 'L', eml: 'a.eml' }] }));
      const manifest = await run(['--manifest', path.join(dir, 'bad.json')]);
      expect(manifest.code).to.equal(1);
      expect(manifest.stderr).to.contain('filings[0].location');
    });
  });
});
