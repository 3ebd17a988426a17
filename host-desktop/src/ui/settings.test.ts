import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { readSettings } from './settings.js';

describe('readSettings', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'fs-settings-'));
  });
  afterEach(async () => rm(dir, { recursive: true, force: true }));

  it("shows the connector's own defaults for what the file leaves unset, and the file's values otherwise", async () => {
    expect(readSettings(join(dir, 'missing.yaml'))).to.include({ 'naming.template': '{sent:iso} {subject}', 'concurrency.filings': 48, defaultFormat: 'msg' });
    await writeFile(join(dir, 'config.yaml'), 'concurrency:\n  filings: 3\n');
    expect(readSettings(join(dir, 'config.yaml'))['concurrency.filings']).to.equal(3);
  });
});
