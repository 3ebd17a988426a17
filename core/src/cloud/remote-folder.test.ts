import { expect } from 'chai';
import { ConfigError } from '../errors.js';
import { remoteFolderSegments, remotePath } from './remote-folder.js';

describe('remoteFolderSegments', () => {
  it('decodes the folder path of a one-slash URI', () => {
    expect(remoteFolderSegments(new URL('dropbox:/Projects/Surrey Court'))).to.deep.equal(['Projects', 'Surrey Court']);
    expect(remoteFolderSegments(new URL('box:///Projects/Caf%C3%A9/'))).to.deep.equal(['Projects', 'Café']);
    expect(remoteFolderSegments(new URL('box:/'))).to.deep.equal([]);
  });

  it('refuses a host, naming the key and the expected form', () => {
    expect(() => remoteFolderSegments(new URL('box://Projects/x'))).to.throw(ConfigError, /target: expected a folder path after "box:\/"/);
  });

  it('refuses dot segments and bad encoding', () => {
    // The URL parser resolves dot segments itself, so none can climb out of the account root.
    expect(remoteFolderSegments(new URL('dropbox:/../a/%2E%2E/b'))).to.deep.equal(['b']);
    expect(() => remoteFolderSegments(new URL('dropbox:/a/%E0%A4%A'))).to.throw(ConfigError, /percent-encoding/);
    expect(() => remoteFolderSegments(new URL('dropbox:/a%2Fb'))).to.throw(ConfigError, /separators/);
  });

  it('joins segments back into a service path', () => {
    expect(remotePath(['Projects', 'Surrey Court'])).to.equal('/Projects/Surrey Court');
    expect(remotePath([])).to.equal('/');
  });
});
