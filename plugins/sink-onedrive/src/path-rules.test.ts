import { expect } from 'chai';
import { BufferContent, fitFileName } from '@filing-sync/core';
import { GRAPH_PATH_RULES } from './path-rules.js';
import { startGraphFixture, type GraphFixture } from './graph-fixture.test.js';

// Each name below breaks one of OneDrive/SharePoint's documented rules.
const REFUSED_STEMS = ['a"b*c:d<e>f?g/h\\i|j', ' leading space', 'trailing space ', 'trailing dot.', '~$lock file', '_vti_cnf', 'CON', 'lpt9', 'COM0', 'desktop.ini', '.lock'];

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
        expect(name, stem).not.to.match(/["*:<>?/\\|]|^ | $|\.$|^~\$|^_vti_/i);
        if (written.has(name.toLowerCase())) continue;
        written.add(name.toLowerCase());
        const result = await sink.create(name, new BufferContent(Buffer.from(stem)), { modifiedAt: new Date() });
        expect(result.created, `${JSON.stringify(stem)} → ${JSON.stringify(name)}`).to.equal(true);
      }
    }
    expect(fx.graph.list(drive, 'Names')).to.have.length(written.size);
  });

  it('keeps the whole path under 400 characters', async () => {
    const folder = `${'f'.repeat(200)}/${'g'.repeat(100)}`;
    const sink = await fx.sink(`onedrive://${fx.graph.addDrive('b!long', 'Long').id}/${folder}`);
    const name = fitFileName({ stem: 'x'.repeat(300), extension: '.eml' }, GRAPH_PATH_RULES, sink.folderPathLength);
    expect(`/${folder}/${name}`.length).to.be.below(400);
    expect((await sink.create(name, new BufferContent(Buffer.from('x')), { modifiedAt: new Date() })).created).to.equal(true);
  });
});
