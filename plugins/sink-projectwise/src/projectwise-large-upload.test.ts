// Large files go through a partial document that is renamed when whole: what a reader, a retry,
// a killed process and recover() see.
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { BufferContent, TransientError, placeFile } from '@filing-sync/core';
import { testCertificate, type ProjectWiseDouble } from '@filing-sync/doubles';
import { SENT_AT, content, makeSink, startDouble, targetUri } from './projectwise-setup.test.js';

const CHUNKED = { chunkedUploadThreshold: 1000, chunkSize: 400 };
const PARTIAL = /^\..+\.[0-9a-f]{16}\.partial$/;
const INSTANCE = 'abcdef01';
const bytesOf = (seed: number, length = 1100): Buffer => Buffer.from(Array.from({ length }, (_, i) => (i * seed + 7) % 256));

/**
 * Runs `sink.create` of a large file in a separate Node process that stalls while opening the
 * chunk at `stallAt` (after the earlier chunks were stored), then SIGKILLs it: no cleanup code of
 * the sink runs, as when the connector is killed or the machine loses power mid-upload.
 */
async function killedMidUpload(double: ProjectWiseDouble, folder: string, name: string, bytes: Buffer, stallAt: number): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'pw-killed-'));
  try {
    const caFile = join(dir, 'ca.pem');
    await writeFile(caFile, (await testCertificate()).cert);
    const args = {
      target: targetUri(folder),
      config: { baseUrl: `${double.url}/ws`, requestTimeoutMs: 60_000, ...CHUNKED },
      instanceId: INSTANCE,
      name,
      bytes: bytes.toString('base64'),
      stallAt,
    };
    const script = `
      import { Readable } from 'node:stream';
      import { BufferContent } from '@filing-sync/core';
      import { silentLogger } from '@filing-sync/conformance';
      import { ProjectWiseSinkFactory } from '@filing-sync/sink-projectwise';
      const a = JSON.parse(process.env.PW_KILLED_WRITER);
      class Stalling extends BufferContent {
        open(range) {
          if (range && range.start >= a.stallAt) {
            process.stdout.write('stalled\\n');
            return new Readable({ read() {} });
          }
          return super.open(range);
        }
      }
      const credentials = { get: async () => ({ type: 'basic', username: 'filer', password: 'secret' }), invalidate() {} };
      const sink = await new ProjectWiseSinkFactory().create(new URL(a.target), a.config, { credentials, logger: silentLogger(), instanceId: a.instanceId });
      await sink.create(a.name, new Stalling(Buffer.from(a.bytes, 'base64')), { modifiedAt: new Date() });
      process.stdout.write('finished\\n');
    `;
    const child = spawn(process.execPath, ['--import', 'reflect-metadata', '--input-type=module', '-e', script], {
      cwd: fileURLToPath(new URL('..', import.meta.url)),
      env: { ...process.env, NODE_EXTRA_CA_CERTS: caFile, PW_KILLED_WRITER: JSON.stringify(args) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`the writer never stalled: ${out} ${err}`)), 20_000);
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        if (out.includes('stalled')) (clearTimeout(timer), resolve());
      });
      child.once('exit', (code) => (clearTimeout(timer), reject(new Error(`the writer exited (${code}) before stalling: ${out} ${err}`))));
    });
    child.kill('SIGKILL');
    await exited;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

describe('ProjectWiseSink large uploads (partial document, then rename)', function () {
  this.timeout(60_000);
  let double: ProjectWiseDouble;
  beforeEach(async () => {
    double = await startDouble();
  });
  afterEach(async () => {
    await double.close();
  });

  it('a writer killed mid-upload leaves no document under the final name; recover() removes its partial and the redelivery writes it whole', async () => {
    const bytes = bytesOf(3);
    await killedMidUpload(double, '/Killed', 'Killed.eml', bytes, 800);
    const left = double.documents('/Killed');
    expect(left.filter((d) => d.name === 'Killed.eml' || d.fileName === 'Killed.eml'), 'nothing under the final name').to.deep.equal([]);
    expect(left.map((d) => d.name)).to.have.length(1);
    expect(left[0]!.name).to.match(PARTIAL).and.match(new RegExp(`^\\.Killed\\.eml\\.${INSTANCE}[0-9a-f]{8}\\.partial$`));
    // Another installation leaves a young partial alone: it may be an upload in progress.
    expect(await (await makeSink(double, '/Killed', { instanceId: '99999999', config: CHUNKED })).recover!()).to.equal(0);
    // The restarted connector (same installation) removes its own at once, then files the redelivery.
    const restarted = await makeSink(double, '/Killed', { instanceId: INSTANCE, config: CHUNKED });
    expect(await restarted.recover!()).to.equal(1);
    expect(double.documents('/Killed')).to.deep.equal([]);
    const placed = await placeFile(restarted, 'Killed.eml', content(bytes), { modifiedAt: SENT_AT });
    expect(placed.outcome).to.equal('created');
    const docs = double.documents('/Killed');
    expect(docs.map((d) => d.name)).to.deep.equal(['Killed.eml']);
    expect(docs[0]!.bytes!.equals(bytes)).to.equal(true);
  });

  it('a lost reply to the document creation, then the retry, ends with one whole document and no partial', async () => {
    const sink = await makeSink(double, '/Lost', { config: CHUNKED });
    const bytes = bytesOf(5);
    double.loseNextResponse(/^POST .*\/PW_WSG\/Document$/);
    const first = await sink.create('Lost.eml', content(bytes), { modifiedAt: SENT_AT }).catch((e: unknown) => e);
    expect(first).to.be.instanceOf(TransientError);
    // As the engine retries: placement again.
    const placed = await placeFile(sink, 'Lost.eml', content(bytes), { modifiedAt: SENT_AT });
    expect(placed.outcome).to.equal('created');
    const docs = double.documents('/Lost');
    expect(docs.map((d) => d.name), 'one document, no partial').to.deep.equal(['Lost.eml']);
    expect(docs[0]!.bytes!.equals(bytes)).to.equal(true);
  });

  it('a lost reply to the rename counts as done when the name now holds this document', async () => {
    const sink = await makeSink(double, '/LostRename', { config: CHUNKED });
    const bytes = bytesOf(7);
    double.loseNextResponse(/^POST .*\/PW_WSG\/Document\/[^/]+$/);
    const result = await sink.create('Renamed.eml', content(bytes), { modifiedAt: SENT_AT });
    expect(result.created).to.equal(true);
    const calls = double.requests.filter((r) => r.url.includes('/Document')).map((r) => `${r.method} ${r.url.replace(/^.*PW_WSG/, '').replace(/\?.*$/, '').replace(/[0-9a-f-]{36}/, '{id}')}`);
    expect(calls.slice(-2), 'the rename whose reply was lost, then the look-up that found it done').to.deep.equal(['POST /Document/{id}', 'GET /Document']);
    const docs = double.documents('/LostRename');
    expect(docs.map((d) => d.name)).to.deep.equal(['Renamed.eml']);
    expect(docs[0]!.bytes!.equals(bytes)).to.equal(true);
  });

  it("uploads under a partial name and renames without replacing: a name taken meanwhile ends as taken, so placement writes ' (2)'", async () => {
    const sink = await makeSink(double, '/Race', { config: CHUNKED });
    const bytes = bytesOf(11);
    let raced = false;
    // Someone files another document under the same name while our chunks are on their way.
    class Racing extends BufferContent {
      override open(range?: { start: number; end: number }): Readable {
        if (!raced) {
          raced = true;
          double.putDocument('/Race', 'Race.eml', 'someone else');
        }
        return super.open(range);
      }
    }
    const placed = await placeFile(sink, 'Race.eml', new Racing(bytes), { modifiedAt: SENT_AT });
    expect(placed.outcome).to.equal('renamed');
    expect(placed.name).to.equal('Race (2).eml');
    const docs = double.documents('/Race');
    expect(docs.map((d) => d.name).sort(), 'no partial left').to.deep.equal(['Race (2).eml', 'Race.eml']);
    expect(docs.find((d) => d.name === 'Race.eml')!.bytes!.toString()).to.equal('someone else');
    expect(docs.find((d) => d.name === 'Race (2).eml')!.bytes!.equals(bytes)).to.equal(true);
    const renames = double.requests.filter((r) => r.method === 'POST' && /\/Document\/[^/]+$/.test(r.url));
    expect(renames, 'the refused rename of Race.eml, then the one of Race (2).eml').to.have.length(2);
  });

  it('does not upload at all when the name is already taken by the same file (a redelivery)', async () => {
    const bytes = bytesOf(13);
    double.putDocument('/Again', 'Again.eml', bytes);
    const sink = await makeSink(double, '/Again', { config: CHUNKED });
    const placed = await placeFile(sink, 'Again.eml', content(bytes), { modifiedAt: SENT_AT });
    expect(placed.outcome).to.equal('identical');
    expect(double.requests.filter((r) => r.method === 'PUT' || (r.method === 'POST' && r.url.includes('/Document')))).to.deep.equal([]);
  });

  it("recover() removes this installation's partials at once, another's only when older than partialMaxAgeMinutes, and nothing else", async () => {
    // More documents than one listing page, so the partials sit on the second page.
    for (let i = 0; i < 520; i++) double.putDocument('/Rec', `Filed ${i}.eml`, `${i}`);
    double.putDocument('/Rec', `.A.eml.${INSTANCE}12345678.partial`, 'own');
    double.putDocument('/Rec', '.B.eml.0000000012345678.partial', 'young, another installation');
    double.putDocument('/Rec', '.C.eml.0000000087654321.partial', 'old, another installation').updated = new Date(Date.now() - 11 * 60_000);
    double.putDocument('/Rec', '.notes.partial', 'not ours: no hex mark');
    const sink = await makeSink(double, '/Rec', { instanceId: INSTANCE });
    expect(await sink.recover!()).to.equal(2);
    const names = double.documents('/Rec').map((d) => d.name);
    expect(names).to.have.length(522);
    expect(names.filter((n) => n.startsWith('.')).sort()).to.deep.equal(['.B.eml.0000000012345678.partial', '.notes.partial']);
    // With a shorter age the young one goes too.
    double.documents('/Rec').find((d) => d.name.startsWith('.B.'))!.updated = new Date(Date.now() - 2 * 60_000);
    expect(await (await makeSink(double, '/Rec', { config: { partialMaxAgeMinutes: 1 } })).recover!()).to.equal(1);
    // A folder that does not exist holds none, and is not created by looking.
    expect(await (await makeSink(double, '/Nowhere/Here')).recover!()).to.equal(0);
    expect(double.folder('/Nowhere')).to.equal(undefined);
  });

  it('a document an older version left without its file does not hold filings pending: placement writes a (2) beside it', async () => {
    double.putDocument('/Stuck', 'Stuck.eml', 'x').bytes = undefined;
    const sink = await makeSink(double, '/Stuck');
    const placed = await placeFile(sink, 'Stuck.eml', content('the message'), { modifiedAt: SENT_AT });
    expect(placed.outcome).to.equal('renamed');
    expect(placed.name).to.equal('Stuck (2).eml');
  });
});
