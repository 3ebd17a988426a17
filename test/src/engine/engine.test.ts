import { expect } from 'chai';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { bootConnector, type Connector, type HostDefinition } from '@filing-sync/core';
import { startFilingServiceDouble, type FilingServiceDouble } from '@filing-sync/doubles';
import { devLicence, listFiles, message, tempDir } from '../e2e/support.js';

const BASE_PLUGINS = ['@filing-sync/source-filing-service', '@filing-sync/formatter-eml', '@filing-sync/sink-filesystem'];

/** A partner-style plugin folder with a formatter named `msg` that always fails, and a sink plugin that fails to load. */
async function brokenPlugins(root: string): Promise<string> {
  const folder = join(root, 'plugins');
  const fmt = join(folder, 'broken-msg');
  await mkdir(fmt, { recursive: true });
  await writeFile(join(fmt, 'package.json'), JSON.stringify({ name: 'broken-msg', version: '1.0.0', type: 'module', main: 'index.js', filingSync: { apiVersion: 1, kind: 'formatter', name: 'msg' } }));
  await writeFile(join(fmt, 'index.js'), `export function register(c) { c.register(Symbol.for('filing-sync.Formatter'), { useValue: {
    name: 'msg', extension: '.msg', mediaType: 'application/vnd.ms-outlook',
    render: async () => { throw new Error('unsupported structure in part 3'); } } }); }`);
  const sink = join(folder, 'sink-vault');
  await mkdir(sink, { recursive: true });
  await writeFile(join(sink, 'package.json'), JSON.stringify({ name: 'sink-vault', version: '1.0.0', type: 'module', main: 'index.js', filingSync: { apiVersion: 1, kind: 'sink', name: 'vault', schemes: ['vault'] } }));
  await writeFile(join(sink, 'index.js'), `export function register() { throw new Error('cannot find native module vault.node'); }`);
  return folder;
}

describe('engine, in process against the filing-service double', function () {
  this.timeout(60_000);
  let double: FilingServiceDouble | undefined;
  let connector: Connector | undefined;
  afterEach(async () => {
    connector?.close();
    await double?.close();
    connector = undefined;
    double = undefined;
  });

  async function boot(root: string, extra: { folder?: string; overrides?: { key: string; value: unknown }[] } = {}): Promise<Connector> {
    const host: HostDefinition = { variant: 'service', plugins: BASE_PLUGINS, credentialFactories: [], resolveFrom: import.meta.url };
    return bootConnector(host, {
      overrides: [
        { key: 'source.url', value: double!.url }, { key: 'source.tenant', value: 't1' }, { key: 'source.token', value: 'tok-engine-1234' },
        { key: 'stateDir', value: join(root, 'state') }, { key: 'sinks.filesystem.allowedRoots', value: [root] },
        { key: 'license', value: await devLicence(root, 't1') },
        ...(extra.folder ? [{ key: 'plugins.folder', value: extra.folder }] : []),
        ...(extra.overrides ?? []),
      ],
      logDestination: new Writable({ write: (_c, _e, cb) => cb() }),
    });
  }

  it('files an unconvertible message as .eml with outcome degraded, and fails only the targets of a plugin that did not load', async () => {
    const root = await tempDir();
    const good = join(root, 'good');
    double = await startFilingServiceDouble({
      manifest: { tenant: 't1', token: 'tok-engine-1234', locations: [{ id: 'L1', name: 'Mill Lane', format: 'msg', targets: [good, 'vault://archive/mill'] }], filings: [] },
    });
    await double.addFiling({ id: 'F1', location: 'L1', raw: message(1, 'Elevation sketch') });
    connector = await boot(root, { folder: await brokenPlugins(root) });
    expect(connector.plugins.failed.map((p) => p.name)).to.deep.equal(['sink-vault']);
    const summary = await connector.engine.run({ once: true });
    expect(summary.outcomes).to.include({ degraded: 1, failed: 1 });
    expect(await listFiles(good)).to.deep.equal(['20261128T144713Z Elevation sketch.eml']);
    const reported = double.filing('F1')!.outcomes;
    expect(reported[good]![0]).to.include({ outcome: 'degraded', format: 'eml' });
    expect(reported[good]![0]!.reason).to.include('unsupported structure in part 3');
    expect(reported['vault://archive/mill']![0]!.outcome).to.equal('failed');
    expect(reported['vault://archive/mill']![0]!.reason).to.include('cannot find native module vault.node');
  });

  it('claims the next batch while the last filing of the current one is written, not before', async () => {
    const root = await tempDir();
    const target = join(root, 'target');
    double = await startFilingServiceDouble({
      manifest: { tenant: 't1', token: 'tok-engine-1234', locations: [{ id: 'L1', name: 'Surrey Court', format: 'eml', targets: [target] }], filings: [] },
    });
    for (let i = 0; i < 12; i++) await double.addFiling({ id: `F${String(i).padStart(2, '0')}`, location: 'L1', raw: message(i) });
    connector = await boot(root, { overrides: [{ key: 'poll.batchSize', value: 6 }, { key: 'concurrency.filings', value: 1 }] });
    const summary = await connector.engine.run({ once: true });
    expect(summary.reported).to.equal(12);
    // One at a time, each filing is reported before the next starts: the requests show when the claims went out.
    const calls = double.requests.map((r) => (r.url.endsWith('/claims') ? 'claim' : r.url.endsWith('/outcomes') ? 'report' : '')).filter(Boolean);
    expect(calls.slice(0, 8).join(' ')).to.equal('claim report report report report report claim report');
  });

  it('reports a redelivered filing again from the store without writing it again', async () => {
    const root = await tempDir();
    const target = join(root, 'target');
    const manifest = { tenant: 't1', token: 'tok-engine-1234', locations: [{ id: 'L1', name: 'Surrey Court', format: 'eml', targets: [target] }], filings: [] };
    double = await startFilingServiceDouble({ manifest });
    for (let i = 0; i < 4; i++) await double.addFiling({ id: `F${i}`, location: 'L1', raw: message(i) });
    connector = await boot(root);
    await connector.engine.run({ once: true });
    connector.close();
    const files = await listFiles(target);
    expect(files).to.have.length(4);
    // A service that lost its acknowledgements delivers every filing again.
    await double.close();
    double = await startFilingServiceDouble({ manifest });
    for (let i = 0; i < 4; i++) await double.addFiling({ id: `F${i}`, location: 'L1', raw: message(i) });
    connector = await boot(root);
    const again = await connector.engine.run({ once: true });
    expect(again.reported).to.equal(4);
    expect(Object.values(again.outcomes).reduce((a, b) => a + b, 0), 'nothing written or recorded anew').to.equal(0);
    expect(await listFiles(target)).to.deep.equal(files);
    for (const f of double.filings()) expect(f.outcomes[target]![0]!.outcome).to.equal('created');
  });

  it('keeps two installations given the same connectorId apart: the second stands by instead of taking the lease', async () => {
    const root = await tempDir();
    double = await startFilingServiceDouble({
      manifest: { tenant: 't1', token: 'tok-engine-1234', locations: [{ id: 'L1', name: 'Mill Lane', format: 'eml', targets: [join(root, 'filed')] }], filings: [] },
    });
    const same = [{ key: 'connectorId', value: 'site-a' }];
    await mkdir(join(root, 'a'));
    await mkdir(join(root, 'b'));
    connector = await boot(join(root, 'a'), { overrides: same });
    const first = connector.engine.run();
    for (let i = 0; i < 200 && !double.lease(); i++) await new Promise((r) => setTimeout(r, 10));
    expect(double.lease()!.holder).to.match(/^site-a \[[0-9a-f]{8}\]$/);
    const second = await boot(join(root, 'b'), { overrides: same });
    const running = second.engine.run();
    try {
      // Wait until the second has asked for the lease and been answered.
      const asks = () => double!.requests.filter((r) => r.method === 'POST' && /\/lease$/.test(r.url)).length;
      for (let i = 0; i < 300 && asks() < 2; i++) await new Promise((r) => setTimeout(r, 10));
      await new Promise((r) => setTimeout(r, 50));
      expect(asks()).to.be.at.least(2);
      expect(double.leaseHistory(), 'one grant: the second did not take it').to.have.length(1);
    } finally {
      second.engine.stop();
      connector.engine.stop();
      await Promise.all([running, first]);
      second.close();
    }
  });

  it('reports a target the service describes badly (a relative path) as failed, naming it', async () => {
    const root = await tempDir();
    double = await startFilingServiceDouble({
      manifest: { tenant: 't1', token: 'tok-engine-1234', locations: [{ id: 'L1', name: 'Outside', format: 'eml', targets: ['relative/path'] }], filings: [] },
    });
    await double.addFiling({ id: 'F1', location: 'L1', raw: message(1) });
    connector = await boot(root);
    const summary = await connector.engine.run({ once: true });
    expect(summary.outcomes.failed).to.equal(1);
    const out = double.filing('F1')!.outcomes['relative/path']![0]!;
    expect(out.outcome).to.equal('failed');
    expect(out.reason).to.match(/relative\/path/);
  });

  it('keeps a filing pending while its share is missing, and files and reports it once the share is back', async () => {
    const root = await tempDir();
    const share = join(root, 'share');
    const target = join(share, 'Projects', 'email');
    double = await startFilingServiceDouble({
      manifest: { tenant: 't1', token: 'tok-engine-1234', locations: [{ id: 'L1', name: 'On a share', format: 'eml', targets: [target] }], filings: [] },
      visibilityTimeoutMs: 200,
    });
    await double.addFiling({ id: 'F1', location: 'L1', raw: message(1) });
    const host: HostDefinition = { variant: 'service', plugins: BASE_PLUGINS, credentialFactories: [], resolveFrom: import.meta.url };
    const opts = async () => ({
      overrides: [
        { key: 'source.url', value: double!.url }, { key: 'source.tenant', value: 't1' }, { key: 'source.token', value: 'tok-engine-1234' },
        { key: 'stateDir', value: join(root, 'state') }, { key: 'sinks.filesystem.allowedRoots', value: [share] },
        { key: 'license', value: await devLicence(root, 't1') }, { key: 'retry.maxAttempts', value: 1 },
      ],
      logDestination: new Writable({ write: (_c, _e, cb) => cb() }),
    });
    connector = await bootConnector(host, await opts());
    const first = await connector.engine.run({ once: true });
    connector.close();
    expect(first.pending).to.equal(1);
    expect(double.filing('F1')!.state).not.to.equal('done');
    expect(Object.keys(double.filing('F1')!.outcomes)).to.deep.equal([]);
    await mkdir(share);
    connector = await bootConnector(host, await opts());
    const second = await connector.engine.run({ once: true });
    expect(second.reported).to.equal(1);
    expect(await listFiles(target)).to.have.length(1);
    expect(double.filing('F1')!.outcomes[target]![0]!.outcome).to.equal('created');
  });
});
