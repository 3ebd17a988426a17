import { expect } from 'chai';
import { quickXorHash } from '@filing-sync/core';
import {
  startGraphDouble,
  trustTestCertificate,
  type FilingServiceDouble,
  type GraphDouble,
} from '@filing-sync/doubles';
import { GRAPH_USER_AGENT } from '@filing-sync/sink-onedrive';
import { demoOnTargets } from './support.js';

const TENANT_ID = 'contoso.onmicrosoft.com';
const CLIENT_ID = '5e1d0c3b-0000-4000-8000-0000000e2e01';
const CLIENT_SECRET = 'e2e-client-secret-~q7Z';

describe('service host, end to end to SharePoint and OneDrive (Graph double)', function () {
  this.timeout(180_000);
  let filing: FilingServiceDouble;
  let graph: GraphDouble;

  before(trustTestCertificate);
  afterEach(async () => {
    await filing?.close();
    await graph?.close();
  });

  it('files the sample manifest to a sharepoint:// and an onedrive:// target once, with app-only MSAL credentials', async () => {
    graph = await startGraphDouble();
    graph.identity.register({ tenantId: TENANT_ID, clientId: CLIENT_ID, clientSecret: CLIENT_SECRET });
    const site = graph.addSite('contoso.sharepoint.com', '/sites/Projects');
    const library = site.drives[0]!;
    const drive = graph.addDrive('b!operations-drive', 'Operations');

    // The demo manifest, its locations pointed at SharePoint and OneDrive instead of local folders.
    const targets: Record<string, string[]> = {
      'L-SURREY': ['sharepoint://contoso.sharepoint.com/sites/Projects/Shared Documents/Surrey Court/email'],
      'L-HARBOUR': ['sharepoint://contoso.sharepoint.com/sites/Projects/Documents/Harbour Bridge/email', `onedrive://${drive.id}/Harbour Bridge/archive`],
      'L-MILL': [`onedrive://${drive.id}/Mill Lane/email`],
    };
    const demo = await demoOnTargets(targets, {
      sinks: { onedrive: { graphBaseUrl: graph.url, customHosts: ['127.0.0.1'] } },
      credentials: { 'microsoft-graph': { tenantId: TENANT_ID, clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, authorityHost: graph.url } },
    });
    filing = demo.filing;
    const { manifest } = demo;
    const run = demo.runOnce;
    const first = await run();
    expect(first.outcomes.failed, JSON.stringify(first)).to.equal(0);
    expect(first.pending).to.equal(0);

    // Each target holds exactly the files the filing service was told about: one per filing,
    // except where the same bytes were already there under that name (identical, nothing written).
    const folders: Record<string, Map<string, Buffer>> = {
      [targets['L-SURREY']![0]!]: library.filesBelow('Surrey Court/email'),
      [targets['L-HARBOUR']![0]!]: library.filesBelow('Harbour Bridge/email'),
      [targets['L-HARBOUR']![1]!]: drive.filesBelow('Harbour Bridge/archive'),
      [targets['L-MILL']![0]!]: drive.filesBelow('Mill Lane/email'),
    };
    const reported = new Map<string, Set<string>>(Object.keys(folders).map((t) => [t, new Set<string>()]));
    const seen = new Set<string>();
    for (const f of filing.filings()) {
      expect(f.state, f.id).to.equal('done');
      for (const [target, outs] of Object.entries(f.outcomes)) {
        const last = outs[outs.length - 1]!;
        seen.add(last.outcome);
        expect(['created', 'renamed', 'identical', 'degraded'], `${f.id} → ${target}: ${last.reason ?? ''}`).to.include(last.outcome);
        const name = String(last.path).split('/').pop()!;
        expect(folders[target]!.has(name), `${f.id}: ${name} is in ${target}`).to.equal(true);
        reported.get(target)!.add(name);
      }
    }
    for (const [target, files] of Object.entries(folders)) {
      expect([...files.keys()].sort(), target).to.deep.equal([...reported.get(target)!].sort());
    }
    expect([...seen]).to.include.members(['created', 'renamed', 'identical']);
    // The sample set files one message twice: it is written once and found there the other time (by quickXorHash).
    // Filed concurrently, whichever is written first is created and the other finds it identical.
    const duplicates = manifest.filings.filter((f) => f.eml.endsWith('30-duplicate.eml'));
    expect(duplicates).to.have.length(2);
    for (const t of targets['L-HARBOUR']!) {
      expect(duplicates.flatMap((d) => filing.filing(d.id)!.outcomes[t]!.map((o) => o.outcome)).sort(), t).to.deep.equal(['created', 'identical']);
    }
    for (const name of folders[targets['L-SURREY']![0]!]!.keys()) expect(name).to.match(/^\d{8}T\d{6}Z( .+)?\.eml$/);
    // EML passes the original bytes through: both Harbour targets hold the same files.
    const harbour = folders[targets['L-HARBOUR']![0]!]!;
    const archive = folders[targets['L-HARBOUR']![1]!]!;
    expect([...harbour.keys()].sort()).to.deep.equal([...archive.keys()].sort());
    for (const [name, bytes] of harbour) expect(quickXorHash(bytes), name).to.equal(quickXorHash(archive.get(name)!));

    // Every Graph call was authenticated with a token MSAL got from the (double's) identity platform.
    expect(graph.identity.tokensIssued).to.be.at.least(1);
    const graphCalls = graph.http.requests.filter((r) => r.url.startsWith('/v1.0/'));
    expect(graphCalls.every((r) => /^Bearer /.test(String(r.headers.authorization)))).to.equal(true);
    expect(graphCalls.every((r) => r.headers['user-agent'] === GRAPH_USER_AGENT)).to.equal(true);

    // The write-access probes of check() left no upload session open.
    expect(graph.openSessions).to.equal(0);

    // A second run finds nothing to do and writes nothing.
    const uploads = graph.http.requests.filter((r) => r.method === 'PUT').length;
    const second = await run();
    expect(second.filings).to.equal(0);
    expect(graph.http.requests.filter((r) => r.method === 'PUT').length).to.equal(uploads);
  });
});
