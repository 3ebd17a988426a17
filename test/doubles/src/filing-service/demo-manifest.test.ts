import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { startFilingServiceDouble } from './double.js';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');
const MANIFEST = path.join(REPO, 'host-service/demo/manifest.json');

describe('the bundled demo manifest (host-service/demo)', () => {
  it('serves about fifty messages over three locations, one with two targets, resolved under the repo', async () => {
    const double = await startFilingServiceDouble({ manifest: MANIFEST, targetRoot: REPO });
    try {
      const filings = double.filings();
      expect(filings.length).to.be.within(45, 60);
      expect(double.tenant).to.equal('demo');
      const locations = double.manifest.locations;
      expect(locations).to.have.length(3);
      expect(locations.filter((l) => l.targets.length === 2)).to.have.length(1);
      for (const l of locations) for (const t of l.targets) expect(t.startsWith(path.join(REPO, 'var') + path.sep), t).to.equal(true);
      // One message is filed twice; the rest once.
      const files = double.manifest.filings.map((f) => f.eml);
      expect(files.length - new Set(files).size).to.equal(1);
      // The hostile subjects made it through the header parse.
      const subjects = filings.map((f) => f.message.subject);
      expect(subjects).to.include.members(['..', 'CON', 'what?*<>|"']);
      expect(subjects.some((s) => s !== undefined && s.length >= 300)).to.equal(true);
      expect(filings.filter((f) => f.message.subject === 'Weekly report').map((f) => f.message.sentAt)).to.deep.equal([
        '2026-03-06T16:00:00.000Z',
        '2026-03-06T16:00:00.000Z',
      ]);
    } finally {
      await double.close();
    }
  });
});
