import { createHash } from 'node:crypto';
import { expect } from 'chai';
import { dropboxContentHash } from '@filing-sync/core';
import {
  BoxDouble,
  DropboxDouble,
  trustTestCertificate,
  type FilingServiceDouble,
} from '@filing-sync/doubles';
import { demoOnTargets } from './support.js';


describe('service host, end to end to Dropbox and Box (API doubles)', function () {
  this.timeout(180_000);
  let filing: FilingServiceDouble;
  let dropbox: DropboxDouble;
  let box: BoxDouble;

  before(trustTestCertificate);
  afterEach(async () => {
    await filing?.close();
    await dropbox?.close();
    await box?.close();
  });

  it('files the sample manifest to a dropbox: and a box: target once, with a Dropbox refresh token and Box CCG', async () => {
    dropbox = await DropboxDouble.start({ appKey: 'e2e-app-key', refreshTokens: ['e2e-refresh-token'] });
    box = await BoxDouble.start({ clientId: 'e2e-box-client', clientSecret: 'e2e-box-secret', enterpriseId: '5550001' });
    const targets: Record<string, string[]> = {
      'L-SURREY': ['dropbox:/Projects/Surrey%20Court/Email'],
      'L-HARBOUR': ['dropbox:/Projects/Harbour%20Bridge/Email', 'box:/Projects/Harbour%20Bridge/Email'],
      'L-MILL': ['box:/Projects/Mill%20Lane'],
    };
    const demo = await demoOnTargets(targets, {
      sinks: { dropbox: { baseUrl: dropbox.url }, box: { baseUrl: box.url } },
      credentials: {
        dropbox: { appKey: 'e2e-app-key', refreshToken: 'e2e-refresh-token', baseUrl: dropbox.url },
        box: { method: 'ccg', clientId: 'e2e-box-client', clientSecret: 'e2e-box-secret', enterpriseId: '5550001', baseUrl: box.url },
      },
    });
    filing = demo.filing;
    const { manifest } = demo;
    const run = demo.runOnce;
    const first = await run();
    expect(first.outcomes.failed, JSON.stringify(first)).to.equal(0);
    expect(first.pending).to.equal(0);
    for (const f of filing.filings()) expect(f.state, f.id).to.equal('done');

    // Every stored outcome names a file in the double; every file there was reported.
    const outcomes = (target: string) => filing.filings().flatMap((f) => f.outcomes[target] ?? []);
    const stored = (o: { outcome: string }) => o.outcome === 'created' || o.outcome === 'renamed' || o.outcome === 'degraded';
    const folders: Record<string, string[]> = {
      [targets['L-SURREY']![0]!]: dropbox.list('/Projects/Surrey Court/Email'),
      [targets['L-HARBOUR']![0]!]: dropbox.list('/Projects/Harbour Bridge/Email'),
      [targets['L-HARBOUR']![1]!]: box.list('/Projects/Harbour Bridge/Email'),
      [targets['L-MILL']![0]!]: box.list('/Projects/Mill Lane'),
    };
    for (const [target, names] of Object.entries(folders)) {
      expect(names.length, target).to.be.greaterThan(0);
      expect(names.sort(), target).to.deep.equal(outcomes(target).filter(stored).map((o) => String(o.path).split('/').pop()!).sort());
    }
    for (const name of folders[targets['L-SURREY']![0]!]!) expect(name).to.match(/^\d{8}T\d{6}Z( .+)?\.eml$/);

    // The message filed twice to Harbour is written once and found there the other time (by content_hash and SHA-1).
    // Filed concurrently, whichever is written first is created and the other finds it identical.
    const duplicates = manifest.filings.filter((f) => f.eml.endsWith('30-duplicate.eml'));
    expect(duplicates).to.have.length(2);
    for (const t of targets['L-HARBOUR']!) {
      expect(duplicates.flatMap((d) => filing.filing(d.id)!.outcomes[t]!.map((o) => o.outcome)).sort(), t).to.deep.equal(['created', 'identical']);
    }

    // The same bytes reached both Harbour targets, and each service reports the hash we compare with.
    const dropboxHarbour = folders[targets['L-HARBOUR']![0]!]!.map((n) => dropbox.file(`/Projects/Harbour Bridge/Email/${n}`)!);
    const boxHarbour = folders[targets['L-HARBOUR']![1]!]!.map((n) => box.fileAt(`/Projects/Harbour Bridge/Email/${n}`)!);
    const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');
    expect(dropboxHarbour.map((f) => sha256(f.content)).sort()).to.deep.equal(boxHarbour.map((f) => sha256(f.content)).sort());
    for (const f of dropboxHarbour) expect(f.contentHash).to.equal(dropboxContentHash(f.content));
    for (const f of boxHarbour) expect(f.sha1).to.equal(createHash('sha1').update(f.content).digest('hex'));
    // Stored with the sent time as their modified time.
    for (const f of dropboxHarbour) expect(f.clientModified).to.match(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    for (const f of boxHarbour) expect(f.contentModifiedAt).to.match(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00$/);

    // Credentials came from the SDKs' token calls: a Dropbox refresh, a Box client-credentials grant.
    expect(dropbox.refreshCount).to.be.at.least(1);
    expect(box.grants.client_credentials).to.be.at.least(1);

    // A second run finds nothing to do and writes nothing.
    const writes = () => dropbox.server.requests.filter((r) => r.url.startsWith('/2/files/upload')).length
      + box.server.requests.filter((r) => r.method === 'POST' && r.url.startsWith('/api/2.0/files')).length;
    const before = writes();
    const second = await run();
    expect(second.filings).to.equal(0);
    expect(writes()).to.equal(before);
  });
});
