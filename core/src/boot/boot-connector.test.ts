import { expect } from 'chai';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { ConfigError } from '../errors.js';
import { bootConnector, loadConfiguration, type HostDefinition } from './boot-connector.js';

const CORE = new URL('../index.js', import.meta.url).href;

/** Writes a plugin package into `dir` whose entry is `body` (with core imported as `core`). */
function plugin(dir: string, manifest: object, body: string): string {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: `@test/${(manifest as { name: string }).name}`, version: '1.0.0', type: 'module', main: 'index.js', filingSync: { apiVersion: 1, ...manifest } }));
  writeFileSync(join(dir, 'index.js'), `import * as core from '${CORE}';\n${body}`);
  return dir;
}

/** A folder with a source plugin and a `files` sink plugin, and a host that loads them. */
function setup(): { root: string; host: HostDefinition } {
  const root = mkdtempSync(join(tmpdir(), 'boot-'));
  const source = plugin(join(root, 'plugins', 'source'), { kind: 'source', name: 'test-source' }, `
    export function register(c) {
      c.register(core.SourceFactory, { useValue: {
        name: 'test-source', description: 'test', configSchema: core.Type.Object({ tenant: core.Type.String() }),
        create: () => ({}),
      } });
    }`);
  const sink = plugin(join(root, 'plugins', 'files'), { kind: 'sink', name: 'files', schemes: ['files'] }, `
    export function register(c) {
      c.register(core.SinkFactory, { useValue: {
        name: 'files', schemes: ['files'], description: 'test', configSchema: core.Type.Object({ root: core.Type.Optional(core.Type.String()) }, { additionalProperties: false }),
        create: async () => { throw new Error('not used'); },
      } });
    }`);
  return { root, host: { variant: 'service', plugins: [source, sink], credentialFactories: [], resolveFrom: import.meta.url } };
}

/** A broken partner sink plugin `webdav` in `dir`. */
function brokenWebdav(dir: string): string {
  return plugin(dir, { kind: 'sink', name: 'webdav', schemes: ['webdav'] }, `export function register() { throw new Error('missing dependency "webdav-client"'); }`);
}

function capture(): { stream: Writable; lines: () => Record<string, unknown>[] } {
  const chunks: string[] = [];
  const stream = new Writable({ write: (c, _e, cb) => { chunks.push(String(c)); cb(); } });
  return { stream, lines: () => chunks.join('').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>) };
}

async function bootFails(host: HostDefinition, configPath: string, logDestination?: Writable): Promise<ConfigError> {
  try {
    const c = await bootConnector(host, { configPath, skipLicenceCheck: true, ...(logDestination ? { logDestination } : {}) });
    c.close();
  } catch (err) {
    expect(err).to.be.instanceOf(ConfigError);
    return err as ConfigError;
  }
  return expect.fail('should have thrown');
}

describe('bootConnector', () => {
  it('runs on without a plugin that failed to load, its config section unchecked, and logs it before validating', async () => {
    const { root, host } = setup();
    brokenWebdav(join(root, 'cfg', 'webdav-bad'));
    const configPath = join(root, 'cfg', 'c.yaml');
    writeFileSync(configPath, `source: { tenant: t1 }\nstateDir: ./state\nplugins: { load: ['./webdav-bad'] }\nsinks: { files: { root: /x }, webdav: { url: 'https://dav.example.com' } }\nconcurrency: { perSink: { webdav: 2 } }\n`);
    const log = capture();
    const connector = await bootConnector(host, { configPath, skipLicenceCheck: true, logDestination: log.stream });
    try {
      expect(connector.plugins.failed.map((f) => f.name)).to.deep.equal(['@test/webdav']);
      // Its targets fail with the plugin's reason.
      expect(() => connector.sinks.factoryFor('webdav://dav.example.com/p')).to.throw(/failed to load: missing dependency "webdav-client"/);
      expect(log.lines().find((l) => l['plugin'] === '@test/webdav')).to.include({ reason: 'missing dependency "webdav-client"' });
    } finally {
      connector.close();
    }

    // When the config is wrong too, the failed plugin is still said first, and a config problem that
    // may be about it carries its reason.
    mkdirSync(join(root, 'cfg', 'unnamed'));
    writeFileSync(join(root, 'cfg', 'unnamed', 'package.json'), '{ "name": broken }');
    const bad = join(root, 'cfg', 'bad.yaml');
    writeFileSync(bad, `source: { tenant: t1 }\nstateDir: ./state2\nplugins: { load: ['./webdav-bad', './unnamed'] }\nsinks: { webdav: {}, webdaw: {} }\npoll: { batchSize: 0 }\n`);
    const log2 = capture();
    const err = await bootFails(host, bad, log2.stream);
    expect(err.issues.map((i) => i.key)).to.have.members(['sinks.webdaw', 'poll.batchSize']);
    expect(err.issues.find((i) => i.key === 'sinks.webdaw')!.expected).to.match(/loaded sink plugin \(files; failed to load: .*unnamed \(.*JSON/);
    expect(log2.lines().map((l) => l['plugin'])).to.include.members(['@test/webdav']);
  }).timeout(20_000);

  it("resolves a plugin's relative paths (x-path) against the config file's folder, wherever filing-sync starts", async () => {
    const { root, host } = setup();
    const source = plugin(join(root, 'plugins', 'path-source'), { kind: 'source', name: 'path-source' }, `
      export function register(c) {
        c.register(core.SourceFactory, { useValue: {
          name: 'path-source', description: 'test', configSchema: core.Type.Object({ tenant: core.Type.String(), tokenFile: core.Type.String({ 'x-path': true }) }),
          create: () => ({}),
        } });
      }`);
    const configPath = join(root, 'cfg', 'c.yaml');
    mkdirSync(join(root, 'cfg'), { recursive: true });
    writeFileSync(configPath, 'source: { tenant: t1, tokenFile: token.txt }\nstateDir: ./state\n');
    const connector = await bootConnector({ ...host, plugins: [source, host.plugins[1]!] }, { configPath, skipLicenceCheck: true, logDestination: capture().stream });
    try {
      expect((connector.config['source'] as { tokenFile: string }).tokenFile).to.equal(join(root, 'cfg', 'token.txt'));
    } finally {
      connector.close();
    }
  }).timeout(20_000);

  it('names the failed source plugin and its reason when no source loaded', async () => {
    const { root, host } = setup();
    const broken = plugin(join(root, 'plugins', 'broken-source'), { kind: 'source', name: 'fs-source' }, `export function register() { throw new Error('cannot load undici'); }`);
    const configPath = join(root, 'c.yaml');
    writeFileSync(configPath, 'source: { tenant: t1 }\n');
    const err = await bootFails({ ...host, plugins: [broken, host.plugins[1]!] }, configPath, capture().stream);
    expect(err.issues).to.have.length(1);
    expect(err.issues[0]!.key).to.equal('source');
    expect(err.issues[0]!.expected).to.include('@test/fs-source (cannot load undici)');
  });

  it('reports concurrency.perSink keys that name no loaded sink plugin', async () => {
    const { root, host } = setup();
    const configPath = join(root, 'c.yaml');
    writeFileSync(configPath, 'source: { tenant: t1 }\nconcurrency: { perSink: { files: 4, onedrive: 2 } }\n');
    const err = await bootFails(host, configPath, capture().stream);
    expect(err.issues).to.deep.equal([{ key: 'concurrency.perSink.onedrive', expected: 'the name of a loaded sink plugin (files)' }]);
  });

  it('resolves plugins.load folders against the config file\'s folder, not the current one', async () => {
    const { root, host } = setup();
    brokenWebdav(join(root, 'cfg', 'partner'));
    const configPath = join(root, 'cfg', 'c.yaml');
    writeFileSync(configPath, `plugins: { load: ['./partner'], folder: ./more }\n`);
    mkdirSync(join(root, 'cfg', 'more'));
    const { plugins, issues } = await loadConfiguration({ ...host, plugins: [] }, { configPath });
    expect(process.cwd()).not.to.equal(join(root, 'cfg'));
    expect(plugins.failed.map((f) => [f.spec, f.reason])).to.deep.equal([[join(root, 'cfg', 'partner'), 'missing dependency "webdav-client"']]);
    expect(issues).to.deep.equal([]);
  });

  it('reports a missing plugins.folder with the other config problems, and still returns the config', async () => {
    const { root, host } = setup();
    const configPath = join(root, 'c.yaml');
    writeFileSync(configPath, `source: { tenant: t1 }\nlicense: ./my.lic\nplugins: { folder: ./plugins-typo }\npoll: { batchSize: 0 }\n`);
    const loaded = await loadConfiguration({ ...host, plugins: [] }, { configPath });
    expect(loaded.config['license']).to.equal('./my.lic');
    expect(loaded.issues.map((i) => i.key)).to.deep.equal(['plugins.folder']);
    const err = await bootFails(host, configPath, capture().stream);
    expect(err.issues.map((i) => i.key)).to.have.members(['plugins.folder', 'poll.batchSize']);
    expect(err.message).to.include(join(root, 'plugins-typo'));
  });

  it('turns a log folder that cannot be made into a ConfigError for stateDir', async () => {
    const { root, host } = setup();
    writeFileSync(join(root, 'a-file'), 'x');
    const configPath = join(root, 'c.yaml');
    writeFileSync(configPath, 'source: { tenant: t1 }\nstateDir: ./a-file/state\nlog: { files: { enabled: true } }\n');
    // No log destination: the log goes to rotating files in the state folder.
    const err = await bootFails(host, configPath);
    expect(err.issues).to.have.length(1);
    expect(err.issues[0]!.key).to.equal('stateDir');
    expect(err.message).to.include(join(root, 'a-file', 'state', 'logs')).and.to.include('ENOTDIR');
  });
});
