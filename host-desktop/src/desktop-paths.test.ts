import { expect } from 'chai';
import { configFileIn, defaultDataDir } from './desktop-paths.js';

describe('the per-user data folder', () => {
  it('is in the user\'s local app data on Windows', () => {
    const dir = defaultDataDir({ LOCALAPPDATA: 'C:\\Users\\ana\\AppData\\Local' }, 'win32');
    expect(dir).to.equal('C:\\Users\\ana\\AppData\\Local\\filing-sync');
    expect(configFileIn(dir, 'win32')).to.equal('C:\\Users\\ana\\AppData\\Local\\filing-sync\\desktop.json');
    expect(defaultDataDir({ USERPROFILE: 'C:\\Users\\bo' }, 'win32')).to.equal('C:\\Users\\bo\\AppData\\Local\\filing-sync');
  });

  it('is in Application Support on macOS and in the XDG state folder elsewhere', () => {
    expect(defaultDataDir({ HOME: '/Users/ana' }, 'darwin')).to.equal('/Users/ana/Library/Application Support/filing-sync');
    expect(defaultDataDir({ HOME: '/home/ana' }, 'linux')).to.equal('/home/ana/.local/state/filing-sync');
    expect(defaultDataDir({ HOME: '/home/ana', XDG_STATE_HOME: '/state/ana' }, 'linux')).to.equal('/state/ana/filing-sync');
  });
});
