import { expect } from 'chai';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '../errors.js';
import { readConfigFile } from './load-config.js';
import { urlForDisplay } from './url-for-display.js';

describe('readConfigFile: syntax errors say where, never what the line holds', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'fs-load-config-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  const refusal = async (name: string, text: string): Promise<ConfigError> => {
    const file = join(dir, name);
    await writeFile(file, text);
    try {
      readConfigFile(file);
    } catch (err) {
      expect(err).to.be.instanceOf(ConfigError);
      return err as ConfigError;
    }
    throw new Error(`${name} was read`);
  };

  it('YAML: names the problem, the line and the column, and quotes no line of the file', async () => {
    const indented = await refusal('indent.yaml', 'source:\n  token: s3cr3t-Bearer-Token-1\n    url: https://filing.example.com\n');
    expect(indented.message).to.match(/valid YAML in .*indent\.yaml/).and.match(/line 2, column \d+/);
    expect(indented.message).not.to.contain('s3cr3t');
    const twice = await refusal('twice.yaml', 'token: old-s3cr3t-value\ntoken: new-s3cr3t-value\n');
    expect(twice.message).to.match(/DUPLICATE_KEY at line 2, column 1/);
    expect(twice.message).not.to.match(/s3cr3t/);
    const reserved = await refusal('reserved.yaml', 'password: @Summer2024!\n');
    expect(reserved.message).to.match(/BAD_SCALAR_START at line 1, column 11/);
    expect(reserved.message).not.to.contain('Summer2024');
    // The parser's own text for a bad escape quotes the characters after it.
    const escaped = await refusal('escape.yaml', 'password: "S3cr\\Uet-Passw0rd-x"\n');
    expect(escaped.message).to.match(/BAD_DQ_ESCAPE at line 1/);
    expect(escaped.message).not.to.match(/Uet|Passw/);
  });

  it('JSON: says where when the parser gives a position, and quotes no part of the file either way', async () => {
    const bare = await refusal('bare.json', '{\n  "source": {\n    "token": s3cr3t-Bearer-Token-1\n  }\n}\n');
    expect(bare.message).to.match(/valid JSON in .*bare\.json/);
    expect(bare.message).not.to.contain('s3cr3t');
    const comma = await refusal('comma.json', '{\n  "token": "s3cr3t-Bearer-Token-1",\n}\n');
    expect(comma.message).to.match(/at line 3, column 1/);
    expect(comma.message).not.to.contain('s3cr3t');
  });
});

describe('urlForDisplay', () => {
  it('hides the user name and password of a URL, also of one that does not parse', () => {
    expect(urlForDisplay('https://svc:Pa55w0rd@filing.example.com:99999/')).to.equal('"https://[redacted]@filing.example.com:99999/"');
    expect(urlForDisplay('ftp://user@host/x')).to.equal('"ftp://[redacted]@host/x"');
    // A password with an unencoded '/', '?' or '#' is why such a URL does not parse; a path with '@' is blanked too.
    for (const bad of ['https://svc:pa/ss@host/', 'https://svc:p#ss@host/', 'https://svc:p?ss@host/']) expect(urlForDisplay(bad)).to.equal('"https://[redacted]@host/"');
    expect(urlForDisplay('https://filing.example.com/a@b')).to.equal('"https://[redacted]@b"');
    expect(urlForDisplay('https://filing.example.com/v1 and text@x')).to.equal('"https://filing.example.com/v1 and text@x"');
    expect(urlForDisplay('not a url')).to.equal('"not a url"');
    // A password with a space, and a scheme missing its colon: still blanked.
    expect(urlForDisplay('https://admin:pw x@host/')).to.equal('"https://[redacted]@host/"');
    expect(urlForDisplay('https//admin:hunter2@host/')).to.equal('"https//[redacted]@host/"');
  });
});
