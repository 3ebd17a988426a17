import { expect } from 'chai';
import { folderLink } from './folder-link.js';

describe('folderLink: how the page opens a target', () => {
  it('opens local and network folders with the program, never as a file: link in the page', () => {
    expect(folderLink('/srv/projects/surrey')).to.deep.equal({ kind: 'local', path: '/srv/projects/surrey' });
    expect(folderLink('file:///srv/projects/Surrey%20Court')).to.deep.equal({ kind: 'local', path: '/srv/projects/Surrey Court' });
  });

  it('opens cloud folders in the service\'s web page', () => {
    expect(folderLink('sharepoint://contoso.sharepoint.com/sites/Projects/Shared Documents/Surrey Court')).to.deep.equal({
      kind: 'web',
      url: 'https://contoso.sharepoint.com/sites/Projects/Shared%20Documents/Surrey%20Court',
    });
    expect(folderLink('dropbox:/Projects/Surrey Court')).to.deep.equal({ kind: 'web', url: 'https://www.dropbox.com/home/Projects/Surrey%20Court' });
    expect(folderLink('egnyte://acme/Shared/Projects')).to.deep.equal({ kind: 'web', url: 'https://acme.egnyte.com/navigate/folder/Shared/Projects' });
  });

  it('shows what it cannot open as text', () => {
    expect(folderLink('projectwise://ds/Folder')).to.deep.equal({ kind: 'none', display: 'projectwise://ds/Folder' });
    expect(folderLink('../etc')).to.deep.equal({ kind: 'none', display: '../etc' });
  });
});
