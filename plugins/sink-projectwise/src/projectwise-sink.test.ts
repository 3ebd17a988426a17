import { createHash } from 'node:crypto';
import { expect } from 'chai';
import { container } from 'tsyringe';
import { AuthError, ConfigError, CredentialProviderFactory, PermissionDenied, SinkFactory, TransientError, fitFileName, placeFile } from '@filing-sync/core';
import { silentLogger } from '@filing-sync/conformance';
import type { ProjectWiseDouble } from '@filing-sync/doubles';
import { PROJECTWISE_PATH_RULES, ProjectWiseSinkFactory, describeFiling, projectWiseCredentialProviderFactory, register } from './index.js';
import { SENT_AT, broker, content, makeSink, startDouble, targetUri } from './projectwise-setup.test.js';

const sha256 = (b: Buffer): string => createHash('sha256').update(b).digest('hex');
const MESSAGE = { subject: 'Site visit notes', from: { name: 'Ann Example', address: 'ann@example.com' }, sentAt: '2026-11-28T14:46:13Z' };

describe('ProjectWiseSink', function () {
  this.timeout(30_000);
  let double: ProjectWiseDouble;
  beforeEach(async () => {
    double = await startDouble({ tokens: ['ims-token'] });
  });
  afterEach(async () => {
    await double.close();
  });

  it('creates missing folders by ParentGuid and the document with its file, name, file name and description', async () => {
    double.mkdir('/Projects');
    const sink = await makeSink(double, '/Projects/Surrey Court/Email');
    const bytes = Buffer.from('From: ann@example.com\r\n\r\nbody');
    const result = await sink.create('20261128T144613Z Site visit notes.eml', content(bytes), { modifiedAt: SENT_AT, message: MESSAGE });
    expect(result.created).to.equal(true);
    const [doc] = double.documents('/Projects/Surrey Court/Email');
    expect(doc!.name).to.equal('20261128T144613Z Site visit notes.eml');
    expect(doc!.fileName).to.equal(doc!.name);
    expect(doc!.description).to.equal('Subject: Site visit notes; From: Ann Example <ann@example.com>; Sent: 2026-11-28T14:46:13Z');
    expect(doc!.bytes!.equals(bytes)).to.equal(true);
    const creates = double.requests.filter((r) => r.method === 'POST').map((r) => r.url.replace(/^.*PW_WSG/, ''));
    expect(creates).to.deep.equal(['/Project', '/Project', '/Document']);
    expect(double.requests.find((r) => r.url.endsWith('/Document') && r.method === 'POST')!.headers['content-type']).to.match(/^multipart\/form-data/);
    expect(double.requests[0]!.headers.authorization).to.equal(`Basic ${Buffer.from('filer:secret').toString('base64')}`);
  });

  it('caches folder ids: a second sink for the same folder makes no folder look-ups', async () => {
    const factory = new ProjectWiseSinkFactory();
    const a = await makeSink(double, '/Cached/Folder', { factory });
    await a.create('a.eml', content('a'), { modifiedAt: SENT_AT });
    const before = double.requests.length;
    const b = await makeSink(double, '/Cached/Folder', { factory });
    await b.create('b.eml', content('b'), { modifiedAt: SENT_AT });
    expect(double.requests.slice(before).filter((r) => r.url.includes('/Project'))).to.have.length(0);
  });

  it("reports a taken name (document or file name, any case) and gives placeFile identical / ' (2)' by SHA-256", async () => {
    double.putDocument('/Projects/A', 'Notes.eml', 'same bytes');
    const sink = await makeSink(double, '/Projects/A');
    const taken = await sink.create('NOTES.eml', content('other'), { modifiedAt: SENT_AT });
    expect(taken.created).to.equal(false);
    if (!taken.created) expect(taken.existing?.hash).to.equal(sha256(Buffer.from('same bytes')));
    expect((await placeFile(sink, 'Notes.eml', content('same bytes'), { modifiedAt: SENT_AT })).outcome).to.equal('identical');
    const renamed = await placeFile(sink, 'Notes.eml', content('different'), { modifiedAt: SENT_AT, message: MESSAGE });
    expect(renamed.outcome).to.equal('renamed');
    expect(renamed.name).to.equal('Notes (2).eml');
    expect(double.documents('/Projects/A').map((d) => d.name).sort()).to.deep.equal(['Notes (2).eml', 'Notes.eml']);
  });

  it('sends a large file as a partial document plus $file chunks with Content-Range, then renames it', async () => {
    const sink = await makeSink(double, '/Big', { config: { chunkedUploadThreshold: 1000, chunkSize: 400 } });
    const bytes = Buffer.from(Array.from({ length: 1100 }, (_, i) => i % 256));
    const result = await sink.create('Large.eml', content(bytes), { modifiedAt: SENT_AT, message: MESSAGE });
    expect(result.created).to.equal(true);
    const [doc, ...others] = double.documents('/Big');
    expect(others).to.deep.equal([]);
    expect([doc!.name, doc!.fileName]).to.deep.equal(['Large.eml', 'Large.eml']);
    expect(doc!.description).to.match(/^Subject: Site visit notes;/);
    expect(doc!.bytes!.equals(bytes)).to.equal(true);
    const puts = double.requests.filter((r) => r.method === 'PUT');
    expect(puts.map((p) => p.headers['content-range'])).to.deep.equal(['bytes 0-399/1100', 'bytes 400-799/1100', 'bytes 800-1099/1100']);
    expect(decodeURIComponent(String(puts[0]!.headers['content-disposition']))).to.match(/filename\*=UTF-8''\.Large\.eml\.[0-9a-f]{16}\.partial$/);
    const calls = double.requests.filter((r) => r.url.includes('/Document')).map((r) => `${r.method} ${r.url.replace(/^.*PW_WSG/, '').replace(/\?.*$/, '').replace(/[0-9a-f-]{36}/, '{id}')}`);
    expect(calls).to.deep.equal(['GET /Document', 'POST /Document', 'PUT /Document/{id}/$file', 'PUT /Document/{id}/$file', 'PUT /Document/{id}/$file', 'POST /Document/{id}']);
  });

  it('resends a failed chunk from a re-opened range, and deletes the document when it cannot be completed', async () => {
    const sink = await makeSink(double, '/Big', { config: { chunkedUploadThreshold: 1000, chunkSize: 400 } });
    const bytes = Buffer.from(Array.from({ length: 1100 }, (_, i) => (i * 3) % 256));
    double.faults.script({ kind: 'reset', match: /^PUT / });
    expect((await sink.create('Resent.eml', content(bytes), { modifiedAt: SENT_AT })).created).to.equal(true);
    expect(double.documents('/Big').find((d) => d.name === 'Resent.eml')!.bytes!.equals(bytes)).to.equal(true);
    for (let i = 0; i < 4; i++) double.faults.script({ kind: '503', match: /^PUT /, retryAfterSeconds: 0 });
    const err = await sink.create('Abandoned.eml', content(bytes), { modifiedAt: SENT_AT }).catch((e: unknown) => e);
    expect(err).to.be.instanceOf(TransientError);
    expect(double.documents('/Big').map((d) => d.name)).to.deep.equal(['Resent.eml']);
    expect(double.requests.some((r) => r.method === 'DELETE')).to.equal(true);
  });

  it('a deleted target folder is created again on the next create, for this sink and the factory cache', async () => {
    const factory = new ProjectWiseSinkFactory();
    const sink = await makeSink(double, '/Projects/Gone/Email', { factory });
    const other = await makeSink(double, '/Projects/Gone/Email', { factory });
    expect((await sink.create('a.eml', content('a'), { modifiedAt: SENT_AT })).created).to.equal(true);
    expect((await other.create('b.eml', content('b'), { modifiedAt: SENT_AT })).created).to.equal(true);
    double.removeFolder('/Projects/Gone');
    expect(await sink.stat('a.eml')).to.equal(undefined);
    expect((await sink.create('c.eml', content('c'), { modifiedAt: SENT_AT })).created).to.equal(true);
    expect(double.documents('/Projects/Gone/Email').map((d) => d.name)).to.deep.equal(['c.eml']);
    // The factory's shared ids were refreshed: a new sink of the path walks nothing.
    const before = double.requests.length;
    const fresh = await makeSink(double, '/Projects/Gone/Email', { factory });
    expect((await fresh.create('d.eml', content('d'), { modifiedAt: SENT_AT })).created).to.equal(true);
    expect(double.requests.slice(before).filter((r) => r.url.includes('/Project'))).to.have.length(0);
    // A sink that still holds the dead id forgets it and writes into the new folder.
    expect((await other.create('e.eml', content('e'), { modifiedAt: SENT_AT })).created).to.equal(true);
    expect(double.documents('/Projects/Gone/Email').map((d) => d.name).sort()).to.deep.equal(['c.eml', 'd.eml', 'e.eml']);
    // A large file, by a new sink that takes the dead ids from the factory, after the folder is gone again.
    double.removeFolder('/Projects/Gone');
    const big = await makeSink(double, '/Projects/Gone/Email', { factory, config: { chunkedUploadThreshold: 10, chunkSize: 8 } });
    expect((await big.create('f.eml', content('a large one'), { modifiedAt: SENT_AT })).created).to.equal(true);
    expect(double.documents('/Projects/Gone/Email').map((d) => d.name)).to.deep.equal(['f.eml']);
  });

  it('check() walks the path afresh: a deleted folder is created again and reported writable', async () => {
    const sink = await makeSink(double, '/Projects/Checked');
    expect(await sink.check()).to.equal('writable');
    double.removeFolder('/Projects/Checked');
    expect(await sink.check()).to.equal('writable');
    expect(double.folder('/Projects/Checked')).to.not.equal(undefined);
    expect((await sink.create('a.eml', content('a'), { modifiedAt: SENT_AT })).created).to.equal(true);
    expect(double.documents('/Projects/Checked').map((d) => d.name)).to.deep.equal(['a.eml']);
  });

  it('maps 403 to PermissionDenied, 429 to TransientError with retryAfterMs, and an unknown repository to missing', async () => {
    double.mkdir('/Locked');
    double.denyWrites('/Locked');
    const locked = await makeSink(double, '/Locked');
    const denied = await locked.create('a.eml', content('a'), { modifiedAt: SENT_AT }).catch((e: unknown) => e);
    expect(denied).to.be.instanceOf(PermissionDenied);
    expect(await (await makeSink(double, '/Locked/Sub')).check()).to.equal('denied');
    const sink = await makeSink(double, '/Busy');
    double.faults.script({ kind: '429', retryAfterSeconds: 5 });
    const busy = await sink.check().catch((e: unknown) => e);
    expect(busy).to.be.instanceOf(TransientError);
    expect((busy as TransientError).retryAfterMs).to.equal(5000);
    expect(await (await makeSink(double, '/X', { repository: 'Bentley.PW--nowhere~3ANone' })).check()).to.equal('missing');
  });

  it('sends a token as Authorization: Token, and on 401 invalidates, retries once, then AuthError', async () => {
    const token = await makeSink(double, '/T', { credentials: broker({ type: 'bearer', accessToken: 'ims-token' }) });
    expect(await token.check()).to.equal('writable');
    expect(double.requests.at(-1)!.headers.authorization).to.equal('Token ims-token');
    const bad = broker({ type: 'basic', username: 'filer', password: 'wrong' });
    const refused = await makeSink(double, '/T', { credentials: bad });
    const err = await refused.create('a.eml', content('a'), { modifiedAt: SENT_AT }).catch((e: unknown) => e);
    expect(err).to.be.instanceOf(AuthError);
    expect(bad.invalidated).to.have.length(2);
    expect((err as Error).message).to.not.include('wrong');
  });

  it('describes the filing in at most 255 characters, cutting the subject so the sender and sent time stay', () => {
    const text = describeFiling({ subject: '长'.repeat(400), from: { name: 'Ann', address: 'ann@example.com' } }, SENT_AT);
    expect(Array.from(text).length).to.be.at.most(255);
    expect(text).to.match(/^Subject: 长+…; From: Ann <ann@example.com>; Sent: 2026-11-28T14:46:13Z$/);
    expect(describeFiling(undefined, SENT_AT)).to.equal('Sent: 2026-11-28T14:46:13Z');
  });

  it('declares ProjectWise names: 127 characters, Windows-valid, case-insensitive', async () => {
    const sink = await makeSink(double, '/Names');
    expect(sink.capabilities.pathRules).to.equal(PROJECTWISE_PATH_RULES);
    const long = fitFileName({ stem: `20261128T144613Z ${'Ω'.repeat(200)} 🎉`, extension: '.msg' }, sink.capabilities.pathRules, sink.folderPathLength);
    expect(long.length).to.be.at.most(127);
    const emoji = fitFileName({ stem: '20261128T144613Z Party 🎉: done?', extension: '.eml' }, sink.capabilities.pathRules, sink.folderPathLength);
    expect(emoji).to.equal('20261128T144613Z Party 🎉_ done_.eml');
    for (const name of [long, emoji]) expect((await sink.create(name, content(name), { modifiedAt: SENT_AT })).created).to.equal(true);
    expect(double.documents('/Names').map((d) => d.name).sort()).to.deep.equal([long, emoji].sort());
  });

  it('rejects bad target URIs naming the target, and incomplete credentials naming the keys', async () => {
    const factory = new ProjectWiseSinkFactory();
    for (const bad of ['projectwise:///repo/x', 'projectwise://pw.example.com/repo', 'projectwise://pw.example.com/repo/a%5Cb']) {
      const err = await factory.create(new URL(bad), {}, { credentials: broker(), logger: silentLogger() }).catch((e: unknown) => e);
      expect(err, bad).to.be.instanceOf(ConfigError);
      expect((err as ConfigError).issues[0]!.key).to.equal('target');
    }
    const ok = await factory.create(new URL(targetUri('/Projects/Surrey Court')), {}, { credentials: broker(), logger: silentLogger() });
    expect(ok.displayPath).to.equal('projectwise://pw.example.com/Bentley.PW--pw.example.com~3AFiling/Projects/Surrey Court');
    const err = (() => {
      try {
        projectWiseCredentialProviderFactory.create({ username: 'x' }, { logger: silentLogger(), stateDir: '.' });
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect((err as ConfigError).issues.map((i) => i.key)).to.deep.equal(['credentials.projectwise.password']);
    const provider = projectWiseCredentialProviderFactory.create({ token: 't' }, { logger: silentLogger(), stateDir: '.' });
    expect(await provider.get({ resource: 'projectwise', account: 'pw.example.com' })).to.deep.equal({ type: 'bearer', accessToken: 't' });
  });

  it('registers only its sink factory: credential providers are the host\'s choice', async () => {
    const child = container.createChildContainer();
    await register(child, { apiVersion: 1, manifest: { apiVersion: 1, kind: 'sink', name: 'projectwise', schemes: ['projectwise'] } });
    expect(child.resolveAll<{ name: string }>(SinkFactory).map((f) => f.name)).to.deep.equal(['projectwise']);
    expect(child.isRegistered(CredentialProviderFactory)).to.equal(false);
  });
});
