import { expect } from 'chai';
import { BufferContent, ConfigError, PermanentError, ProviderBroker, TargetMissing, type CredentialProvider } from '@filing-sync/core';
import { parseDriveTarget } from './drive-location.js';
import { startGraphFixture, type GraphFixture } from './graph-fixture.test.js';

const SENT = new Date('2026-11-28T14:46:13Z');

describe('target URIs and drive resolution', () => {
  describe('parseDriveTarget', () => {
    it('reads the three forms', () => {
      expect(parseDriveTarget(new URL('onedrive:/Projects/Surrey%20Court'))).to.deep.equal({ kind: 'me', folder: ['Projects', 'Surrey Court'] });
      expect(parseDriveTarget(new URL('onedrive://b!AbC-123/Projects/X'))).to.deep.equal({ kind: 'drive', driveId: 'b!AbC-123', folder: ['Projects', 'X'] });
      expect(parseDriveTarget(new URL('sharepoint://Contoso.sharepoint.com/sites/Projects/Shared%20Documents/Surrey%20Court'))).to.deep.equal({
        kind: 'sharepoint',
        host: 'contoso.sharepoint.com',
        sitePath: '/sites/Projects',
        library: 'Shared Documents',
        folder: ['Surrey Court'],
      });
    });

    it('refuses a SharePoint URI without a library, naming the target', () => {
      expect(() => parseDriveTarget(new URL('sharepoint://contoso.sharepoint.com/sites/Projects'))).to.throw(ConfigError, /target: expected a document library/);
      expect(() => parseDriveTarget(new URL('dropbox:/x'))).to.throw(ConfigError, /onedrive: or sharepoint:/);
    });
  });

  describe('against the Graph double', () => {
    let fx: GraphFixture;
    beforeEach(async () => {
      fx = await startGraphFixture();
    });
    afterEach(() => fx.close());

    it('resolves site and library once, by the library URL name or display name', async () => {
      const site = fx.graph.addSite('contoso.sharepoint.com', '/sites/Projects', [
        ['Documents', 'Shared Documents'],
        ['Drawings', 'Drawings'],
      ]);
      const a = await fx.sink('sharepoint://contoso.sharepoint.com/sites/Projects/Shared Documents/Surrey Court');
      const b = await fx.sink('sharepoint://contoso.sharepoint.com/sites/Projects/Documents/Other');
      const c = await fx.sink('sharepoint://contoso.sharepoint.com/sites/projects/drawings/Plans');
      await a.create('a.eml', new BufferContent(Buffer.from('a')), { modifiedAt: SENT });
      await a.create('a2.eml', new BufferContent(Buffer.from('a2')), { modifiedAt: SENT });
      await b.create('b.eml', new BufferContent(Buffer.from('b')), { modifiedAt: SENT });
      await c.create('c.eml', new BufferContent(Buffer.from('c')), { modifiedAt: SENT });

      const [docs, drawings] = site.drives as [typeof site.drives[0], typeof site.drives[0]];
      expect(fx.graph.list(docs, 'Surrey Court')).to.deep.equal(['a.eml', 'a2.eml']);
      expect(fx.graph.list(docs, 'Other')).to.deep.equal(['b.eml']);
      expect(fx.graph.list(drawings, 'Plans')).to.deep.equal(['c.eml']);
      const lookups = fx.graph.http.requests.filter((r) => /^\/v1\.0\/sites\//.test(r.url));
      expect(lookups.filter((r) => r.url.includes(':/sites/'))).to.have.length(1);
      expect(lookups.filter((r) => r.url.includes('/drives'))).to.have.length(1);
      expect(a.displayPath).to.equal('https://contoso.sharepoint.com/sites/Projects/Shared Documents/Surrey Court');
    });

    it('reads a drive once for its webUrl, for every target in it, and names a missing drive', async () => {
      const drive = fx.graph.addDrive('b!ops', 'Operations');
      const a = await fx.sink(`onedrive://${drive.id}/A`);
      const b = await fx.sink(`onedrive://${drive.id}/B/C`);
      expect(await a.check()).to.equal('writable');
      expect(await b.check()).to.equal('writable');
      expect(fx.graph.http.requests.filter((r) => /^\/v1\.0\/drives\/[^/]+\?/.test(r.url))).to.have.length(1);
      // The double's drive lives at /personal/operations_contoso_onmicrosoft_com/Documents.
      expect(b.folderPathLength).to.equal('/personal/operations_contoso_onmicrosoft_com/Documents/B/C/'.length);

      const gone = await fx.sink('onedrive://b!no-such-drive/x');
      const err = await gone.create('a.eml', new BufferContent(Buffer.from('a')), { modifiedAt: SENT }).catch((e: unknown) => e);
      expect(err).to.be.instanceOf(TargetMissing);
      expect((err as Error).message).to.match(/The drive of onedrive:\/\/b!no-such-drive\/x does not exist/);
    });

    it('reports a missing site or library as TargetMissing / check() missing', async () => {
      fx.graph.addSite('contoso.sharepoint.com', '/sites/Projects');
      const noSite = await fx.sink('sharepoint://contoso.sharepoint.com/sites/Nope/Shared Documents/x');
      const noLib = await fx.sink('sharepoint://contoso.sharepoint.com/sites/Projects/Nope/x');
      expect(await noSite.check()).to.equal('missing');
      const err = await noLib.create('a.eml', new BufferContent(Buffer.from('a')), { modifiedAt: SENT }).catch((e: unknown) => e);
      expect(err).to.be.instanceOf(TargetMissing);
      expect((err as Error).message).to.match(/no document library "Nope" \(it has: Documents\)/);
    });

    it('writes to the signed-in user\'s drive for onedrive:/ with a delegated token', async () => {
      const token = fx.graph.identity.issue({ delegated: true });
      const delegated: CredentialProvider = {
        resources: ['microsoft-graph'],
        get: async () => ({ type: 'bearer', accessToken: token }),
        invalidate: () => undefined,
      };
      const sink = await fx.sink('onedrive:/Filed/Surrey Court', {}, new ProviderBroker([delegated]));
      expect(sink.displayPath).to.equal('onedrive:/Filed/Surrey Court');
      await sink.create('m.eml', new BufferContent(Buffer.from('m')), { modifiedAt: SENT });
      expect(fx.graph.list(fx.graph.myDrive, 'Filed/Surrey Court')).to.deep.equal(['m.eml']);
    });

    it('explains that onedrive:/ needs a user when the token is app-only', async () => {
      const sink = await fx.sink('onedrive:/Filed');
      const err = await sink.create('m.eml', new BufferContent(Buffer.from('m')), { modifiedAt: SENT }).catch((e: unknown) => e);
      expect(err).to.be.instanceOf(PermanentError);
      expect((err as PermanentError).action).to.match(/onedrive:\/\/<drive-id>/);
    });

    it('refuses bad options, naming each key', async () => {
      const err = await fx
        .sink('onedrive://d/x', { fragmentSize: 1000, largeUploadThreshold: -1, customHosts: ['127.0.0.1:8443'] } as never)
        .catch((e: unknown) => e);
      expect(err).to.be.instanceOf(ConfigError);
      expect((err as Error).message)
        .to.match(/sinks\.onedrive\.fragmentSize: expected an integer from 327680 to 62914560 and a multiple of 327680/)
        .and.match(/sinks\.onedrive\.largeUploadThreshold/)
        .and.match(/sinks\.onedrive\.customHosts/);
    });
  });
});
