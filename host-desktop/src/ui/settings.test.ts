import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { ConfigError } from '@filing-sync/core';
import { readSettings, saveSettings, tokenFileFor } from './settings.js';

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

describe('saveSettings', () => {
  let dir: string;
  let configPath: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'fs-settings-'));
    configPath = join(dir, 'desktop.json');
    await writeFile(configPath, `${JSON.stringify({ source: { url: 'https://filing.example.com', tenant: 'acme', token: 'saved-secret' }, stateDir: './state' })}\n`);
  });
  afterEach(async () => rm(dir, { recursive: true, force: true }));

  it('refuses a new filing service URL unless the token is entered again, so the saved token never goes to it', async () => {
    const before = await readFile(configPath, 'utf8');
    const err = await saveSettings(configPath, { 'source.url': 'https://attacker.example' }, undefined).then(
      () => expect.fail('saved a new URL with the old token'),
      (e: unknown) => e,
    );
    expect(err).to.be.instanceOf(ConfigError);
    const issue = (err as ConfigError).issues.find((i) => i.key === 'source.token');
    expect(issue?.expected).to.match(/entered again: the filing service URL changed/);
    expect(JSON.stringify((err as ConfigError).issues)).not.to.contain('saved-secret');
    expect(await readFile(configPath, 'utf8')).to.equal(before);

    // Unchanged URL: the saved token stays; a new URL with the token typed again is saved.
    await saveSettings(configPath, { 'source.url': 'https://filing.example.com', 'concurrency.filings': 3 }, undefined);
    await saveSettings(configPath, { 'source.url': 'https://filing2.example.com', 'source.token': 'typed-again' }, undefined);
    const saved = JSON.parse(await readFile(configPath, 'utf8')) as { source: Record<string, string> };
    expect(saved.source).to.include({ url: 'https://filing2.example.com', tokenFile: tokenFileFor(configPath) });
    expect((await readFile(tokenFileFor(configPath), 'utf8')).trim()).to.equal('typed-again');
  });
});
