import { createHash } from 'node:crypto';
import { expect } from 'chai';
import {
  startEgnyteDouble,
  startProjectWiseDouble,
  trustTestCertificate,
  type EgnyteDouble,
  type FilingServiceDouble,
  type ProjectWiseDouble,
} from '@filing-sync/doubles';
import { demoOnTargets } from './support.js';

const REPOSITORY = 'Bentley.PW--pw.example.com~3AFiling';


describe('service host, end to end to Egnyte and ProjectWise (API doubles)', function () {
  this.timeout(180_000);
  let filing: FilingServiceDouble;
  let egnyte: EgnyteDouble;
  let pw: ProjectWiseDouble;

  before(trustTestCertificate);
  afterEach(async () => {
    await filing?.close();
    await egnyte?.close();
    await pw?.close();
  });

  it('files the sample manifest to an egnyte:// and a projectwise:// target once', async () => {
    egnyte = await startEgnyteDouble({ users: { filer: 'egnyte-pass' }, clientId: 'e2e-key' });
    pw = await startProjectWiseDouble({ repository: REPOSITORY, users: { filer: 'pw-pass' } });
    const pwTarget = `projectwise://pw.example.com/${encodeURIComponent(REPOSITORY)}/Projects/Harbour%20Bridge/Email`;
    const targets: Record<string, string[]> = {
      'L-SURREY': ['egnyte://acme/Shared/Projects/Surrey%20Court/Email'],
      'L-HARBOUR': ['egnyte://acme/Shared/Projects/Harbour%20Bridge/Email', pwTarget],
      'L-MILL': [`projectwise://pw.example.com/${encodeURIComponent(REPOSITORY)}/Projects/Mill%20Lane`],
    };
    const demo = await demoOnTargets(targets, {
      sinks: { egnyte: { baseUrl: egnyte.url, callsPerSecond: 50 }, projectwise: { baseUrl: `${pw.url}/ws` } },
      credentials: {
        egnyte: { domain: 'acme', clientId: 'e2e-key', username: 'filer', password: 'egnyte-pass', baseUrl: egnyte.url },
        projectwise: { username: 'filer', password: 'pw-pass' },
      },
    });
    filing = demo.filing;
    const run = demo.runOnce;
    const first = await run();
    expect(first.outcomes.failed, JSON.stringify(first)).to.equal(0);
    expect(first.pending).to.equal(0);

    // Every written outcome names a stored file; the one message filed twice is written once.
    const written = (prefix: string) =>
      filing.filings().flatMap((f) => Object.entries(f.outcomes).filter(([t]) => t.startsWith(prefix)).flatMap(([, outs]) => outs));
    const egnyteOuts = written('egnyte://');
    const pwOuts = written('projectwise://');
    const stored = (o: { outcome: string }) => o.outcome === 'created' || o.outcome === 'renamed' || o.outcome === 'degraded';
    const egnyteFiles = ['/Shared/Projects/Surrey Court/Email', '/Shared/Projects/Harbour Bridge/Email'].flatMap((p) => egnyte.fileNames(p).map((n) => `${p}/${n}`));
    expect(egnyteFiles.sort()).to.deep.equal(egnyteOuts.filter(stored).map((o) => o.path!).sort());
    const pwFiles = ['/Projects/Harbour Bridge/Email', '/Projects/Mill Lane'].flatMap((p) => pw.documents(p).map((d) => d.name));
    expect(pwFiles.sort()).to.deep.equal(pwOuts.filter(stored).map((o) => o.path!.split('/').at(-1)!).sort());
    expect(egnyteOuts.filter((o) => o.outcome === 'identical')).to.have.length(1);
    expect(pwOuts.filter((o) => o.outcome === 'identical')).to.have.length(1);
    expect(egnyteFiles.every((p) => egnyte.file(p)!.versions === 1), 'no file got a second version').to.equal(true);
    for (const name of egnyte.fileNames('/Shared/Projects/Surrey Court/Email')) expect(name).to.match(/^\d{8}T\d{6}Z .+\.eml$|^\d{8}T\d{6}Z\.eml$/);
    // The same EML bytes went to both Harbour targets (names may differ: each is cut to its own
    // sink's limits, 245 UTF-8 bytes on Egnyte, 127 characters on ProjectWise), and each document
    // carries a description of the message.
    const harbourDocs = pw.documents('/Projects/Harbour Bridge/Email');
    const digest = (b: Buffer) => createHash('sha256').update(b).digest('hex');
    expect(harbourDocs.map((d) => digest(d.bytes!)).sort()).to.deep.equal(
      egnyte.fileNames('/Shared/Projects/Harbour Bridge/Email').map((n) => digest(egnyte.file(`/Shared/Projects/Harbour Bridge/Email/${n}`)!.bytes)).sort(),
    );
    for (const doc of harbourDocs) expect(doc.description, doc.name).to.match(/Sent: \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ/);
    for (const f of filing.filings()) expect(f.state, f.id).to.equal('done');

    // A second run finds nothing to do and writes nothing.
    const uploads = egnyte.requests.filter((r) => r.url.includes('fs-content')).length + pw.requests.filter((r) => r.method === 'POST').length;
    const second = await run();
    expect(second.filings).to.equal(0);
    expect(egnyte.requests.filter((r) => r.url.includes('fs-content')).length + pw.requests.filter((r) => r.method === 'POST').length).to.equal(uploads);
  });
});
