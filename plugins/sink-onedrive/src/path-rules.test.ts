import { expect } from 'chai';
import { BufferContent, PermanentError, fitFileName, makeFileName } from '@filing-sync/core';
import { GRAPH_PATH_RULES } from './path-rules.js';
import { startGraphFixture, type GraphFixture } from './graph-fixture.test.js';

// Each name below breaks one of OneDrive/SharePoint's documented rules.
const REFUSED_STEMS = [
  'a"b*c:d<e>f?g/h\\i|j', ' leading space', 'trailing space ', 'trailing dot.', '~$lock file', '_vti_cnf', 'Re: site_vti_bin access',
  'CON', 'lpt9', 'COM0', 'desktop.ini', '.lock',
];

describe('GRAPH_PATH_RULES with the core namer', () => {
  let fx: GraphFixture;
  before(async () => {
    fx = await startGraphFixture();
  });
  after(() => fx.close());

  it('makes every refused name one that Graph accepts, as whole names and as stems', async () => {
    const drive = fx.graph.addDrive('b!names', 'Names');
    const sink = await fx.sink(`onedrive://${drive.id}/Names`);
    const written = new Set<string>();
    for (const stem of REFUSED_STEMS) {
      for (const extension of ['', '.eml']) {
        const name = fitFileName({ stem, extension }, GRAPH_PATH_RULES, sink.folderPathLength);
        expect(name, stem).not.to.match(/["*:<>?/\\|]|^ | $|\.$|^~\$|_vti_/i);
        if (written.has(name.toLowerCase())) continue;
        written.add(name.toLowerCase());
        const result = await sink.create(name, new BufferContent(Buffer.from(stem)), { modifiedAt: new Date() });
        expect(result.created, `${JSON.stringify(stem)} → ${JSON.stringify(name)}`).to.equal(true);
      }
    }
    expect(fx.graph.list(drive, 'Names')).to.have.length(written.size);
  });

  it('refuses _vti_ anywhere in a name, not only at its start', async () => {
    const drive = fx.graph.addDrive('b!vti', 'Vti');
    const sink = await fx.sink(`onedrive://${drive.id}/Filed`);
    // What the namer makes of the subject "Re: site_vti_bin access" with the default template.
    const name = makeFileName({ sentAt: new Date('2026-11-28T14:46:13Z'), filedAt: new Date(), subject: 'Re: site_vti_bin access' }, {
      extension: '.eml',
      rules: GRAPH_PATH_RULES,
      folderPathLength: sink.folderPathLength,
    });
    expect(name).to.equal('20261128T144613Z Re_ site__ti_bin access.eml');
    expect((await sink.create(name, new BufferContent(Buffer.from('x')), { modifiedAt: new Date() })).created).to.equal(true);
    // The double refuses it as Graph does, so the name above is not accepted by accident.
    const refused = await sink.create('20261128T144613Z Re_ site_vti_bin access.eml', new BufferContent(Buffer.from('x')), { modifiedAt: new Date() }).catch((e: unknown) => e);
    expect(refused).to.be.instanceOf(PermanentError);
  });

  it('keeps the whole server-relative path (/personal/<user>/Documents/…) under 400 characters', async () => {
    const folder = `${'f'.repeat(200)}/${'g'.repeat(100)}`;
    const drive = fx.graph.addDrive('b!long', 'Long', 'business', 'https://contoso-my.sharepoint.com/personal/megan_bowen_contoso_onmicrosoft_com/Documents');
    const sink = await fx.sink(`onedrive://${drive.id}/${folder}`);
    // Before the drive is known, room is kept for its path; check() resolves it, as the engine does first.
    const before = sink.folderPathLength;
    expect(await sink.check()).to.equal('writable');
    const root = '/personal/megan_bowen_contoso_onmicrosoft_com/Documents';
    expect(sink.folderPathLength).to.equal(`${root}/${folder}/`.length);
    expect(before).to.be.at.least(sink.folderPathLength);
    const name = fitFileName({ stem: 'x'.repeat(300), extension: '.eml' }, GRAPH_PATH_RULES, sink.folderPathLength);
    // The name takes all the room there is, and no more: 399 characters from the host on.
    expect(`${root}/${folder}/${name}`.length).to.equal(399);
    expect((await sink.create(name, new BufferContent(Buffer.from('x')), { modifiedAt: new Date() })).created).to.equal(true);
  });

  it('counts a SharePoint library by its address, not by the display name the URI may use', async () => {
    fx.graph.addSite('contoso.sharepoint.com', '/sites/Projects');
    const folder = `Surrey Court/${'g'.repeat(250)}`;
    // "Documents" is the display name; the library lives at "Shared Documents".
    const sink = await fx.sink(`sharepoint://contoso.sharepoint.com/sites/Projects/Documents/${folder}`);
    expect(await sink.check()).to.equal('writable');
    const path = `/sites/Projects/Shared Documents/${folder}/`;
    expect(sink.folderPathLength).to.equal(path.length);
    const name = fitFileName({ stem: 'x'.repeat(300), extension: '.eml' }, GRAPH_PATH_RULES, sink.folderPathLength);
    expect(`${path}${name}`.length).to.equal(399);
    expect((await sink.create(name, new BufferContent(Buffer.from('x')), { modifiedAt: new Date() })).created).to.equal(true);
  });
});
