import { expect } from 'chai';
import path from 'node:path';
import { ConfigError } from './errors.js';
import { fileUrlToPath, parseTargetUri } from './target-uri.js';

describe('parseTargetUri', () => {
  it('keeps file: URLs and turns absolute paths into file: URLs', () => {
    expect(parseTargetUri('file:///D:/Projects/Surrey%20Court/email').href).to.equal('file:///D:/Projects/Surrey%20Court/email');
    expect(parseTargetUri('D:\\Projects\\Surrey Court\\email').href).to.equal('file:///D:/Projects/Surrey%20Court/email');
    expect(parseTargetUri('D:/Projects/Surrey Court/email').href).to.equal('file:///D:/Projects/Surrey%20Court/email');
    expect(parseTargetUri('\\\\fs01\\projects\\Surrey Court').href).to.equal('file://fs01/projects/Surrey%20Court');
    expect(parseTargetUri('//fs01/projects/x').href).to.equal('file://fs01/projects/x');
    expect(parseTargetUri('\\\\?\\D:\\very\\long').href).to.equal('file:///D:/very/long');
    expect(parseTargetUri('\\\\?\\UNC\\fs01\\projects\\x').href).to.equal('file://fs01/projects/x');
    expect(parseTargetUri('/srv/email/Surrey Court#1').href).to.equal('file:///srv/email/Surrey%20Court%231');
    expect(parseTargetUri('  /srv/email  ').protocol).to.equal('file:');
  });

  it('returns service URIs as they are', () => {
    for (const uri of ['onedrive:/Projects/Surrey Court', 'sharepoint://contoso.sharepoint.com/sites/p/Shared%20Documents/x',
      'dropbox:/Projects/x', 'box:/123456', 'egnyte://acme.egnyte.com/Shared/Projects', 'projectwise://host/ds/folder']) {
      const url = parseTargetUri(uri);
      expect(url.href, uri).to.equal(new URL(uri).href);
    }
  });

  it('refuses Windows folder names that Windows programs would read as another folder, naming the folder', () => {
    const cases: [string, RegExp][] = [
      ['D:\\Projects\\Acme Inc.\\email', /"Acme Inc\." ends in a dot or a space/],
      ['D:\\Projects\\Acme \\email', /"Acme " ends in a dot or a space/],
      ['\\\\fs01\\projects\\CON\\email', /"CON" is a Windows device name/],
      ['D:\\Projects\\nul.txt\\email', /"nul\.txt" is a Windows device name/],
      ['D:\\Projects\\notes.txt:hidden', /alternate data stream/],
      ['file:///D:/Projects/Acme%20Inc./email', /ends in a dot or a space/],
      ['file://fs01/projects/COM1/email', /device name/],
    ];
    for (const [target, why] of cases) {
      let err: unknown;
      try {
        parseTargetUri(target, 'locations.L1.targets[0]');
      } catch (e) {
        err = e;
      }
      expect(err, target).to.be.instanceOf(ConfigError);
      expect((err as ConfigError).issues[0]!.expected, target).to.match(why);
    }
    // The same names are fine where they are not Windows paths, and ordinary Windows folders pass.
    for (const ok of ['/srv/con/Acme Inc./email', 'D:\\Projects\\Acme Inc\\email', '\\\\fs01\\projects\\Console\\email', 'file:///D:/Projects/.hidden/email']) {
      expect(() => parseTargetUri(ok), ok).to.not.throw();
    }
  });

  it('refuses empty, relative and ".." targets with a ConfigError naming the target and what was expected', () => {
    const bad = ['', '   ', 'email', './email', 'D:email', '\\email', 'C:', '\\\\fs01', '\\\\fs01\\', '\\\\.\\PhysicalDrive0',
      '/srv/../etc', 'D:\\Projects\\..\\Windows', '\\\\fs01\\projects\\..\\admin', 'file:///srv/a/../b', 'file:///srv/%2e%2e/b',
      'file:///srv/a%2Fb', 'file:///', 'onedrive:/a/../b', 'sharepoint://host/sites/%2E%2E/x', 'http://[bad'];
    for (const target of bad) {
      let err: unknown;
      try {
        parseTargetUri(target, 'locations.L1.targets[0]');
      } catch (e) {
        err = e;
      }
      expect(err, JSON.stringify(target)).to.be.instanceOf(ConfigError);
      const issue = (err as ConfigError).issues[0]!;
      expect(issue.key).to.equal('locations.L1.targets[0]');
      expect(issue.found).to.equal(JSON.stringify(target));
      expect(issue.expected).to.match(/absolute path/);
    }
  });
});

describe('fileUrlToPath', () => {
  it('gives native win32 paths for drive and UNC forms', () => {
    const drive = fileUrlToPath(parseTargetUri('file:///D:/Projects/Surrey%20Court/email'), 'win32');
    expect(drive).to.equal('D:\\Projects\\Surrey Court\\email');
    expect(path.win32.isAbsolute(drive)).to.equal(true);
    const unc = fileUrlToPath(parseTargetUri('\\\\fs01\\projects\\Surrey Court'), 'win32');
    expect(unc).to.equal('\\\\fs01\\projects\\Surrey Court');
    expect(path.win32.parse(unc).root).to.equal('\\\\fs01\\projects\\');
  });

  it('gives posix paths, round-tripping special characters', () => {
    const p = fileUrlToPath(parseTargetUri('/srv/email/Surrey Court#1 %20'), 'posix');
    expect(p).to.equal('/srv/email/Surrey Court#1 %20');
    expect(path.posix.isAbsolute(p)).to.equal(true);
  });

  it('refuses what cannot be a path on the platform', () => {
    expect(() => fileUrlToPath(new URL('onedrive:/x'), 'posix')).to.throw(ConfigError, /file: URL/);
    expect(() => fileUrlToPath(new URL('file://fs01/projects'), 'posix')).to.throw(ConfigError, /no path on posix/);
    expect(() => fileUrlToPath(new URL('file:///D:/Projects'), 'posix')).to.throw(ConfigError, /Windows drive/);
  });
});
