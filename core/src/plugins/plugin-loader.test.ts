import { expect } from 'chai';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { container } from 'tsyringe';
import { ConfigError } from '../errors.js';
import { loadPlugins, resolvePluginSpec } from './plugin-loader.js';

function plugin(root: string, name: string, manifest: object | undefined, body: string): string {
  const dir = join(root, name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: `@partner/${name}`, version: '1.2.3', type: 'module', main: 'index.js', ...(manifest ? { filingSync: manifest } : {}) }));
  writeFileSync(join(dir, 'index.js'), body);
  return dir;
}

describe('loadPlugins', () => {
  it('loads good plugins and reports each bad one by name without stopping', async () => {
    const root = mkdtempSync(join(tmpdir(), 'plugins-'));
    const token = Symbol.for('test.loaded');
    plugin(root, 'good', { apiVersion: 1, kind: 'sink', name: 'good', schemes: ['good'] },
      `export function register(c, api) { c.register(Symbol.for('test.loaded'), { useValue: api.manifest.name + '@' + api.apiVersion }); }`);
    plugin(root, 'future', { apiVersion: 2, kind: 'sink', name: 'future', schemes: ['future'] }, 'export function register() {}');
    plugin(root, 'throws', { apiVersion: 1, kind: 'sink', name: 'throws', schemes: ['boom'] }, `export function register() { throw new Error('missing native module'); }`);
    plugin(root, 'no-register', { apiVersion: 1, kind: 'formatter', name: 'nr' }, 'export const x = 1;');
    plugin(root, 'not-a-plugin', undefined, 'export function register() {}');
    const c = container.createChildContainer();
    const report = await loadPlugins({ specs: [join(root, 'good'), join(root, 'missing-folder')], folder: root, resolveFrom: import.meta.url, container: c });
    expect(report.loaded.map((p) => p.packageName)).to.deep.equal(['@partner/good']);
    expect(c.resolve(token)).to.equal('good@1');
    const failed = Object.fromEntries(report.failed.map((f) => [f.name, f]));
    expect(failed['@partner/future']!.reason).to.match(/plugin API version 2.*version 1/);
    expect(failed['@partner/throws']!.reason).to.equal('missing native module');
    expect(failed['@partner/throws']!.schemes).to.deep.equal(['boom']);
    expect(failed['@partner/no-register']!.reason).to.match(/exports no register/);
    expect(Object.keys(failed)).to.have.length(4);
    expect(report.failed.find((f) => f.spec.endsWith('missing-folder'))).to.exist;
  });

  it('refuses a plugins folder that does not exist, naming plugins.folder', async () => {
    const root = mkdtempSync(join(tmpdir(), 'plugins-'));
    const missing = join(root, 'plugins-typo');
    let thrown: unknown;
    try {
      await loadPlugins({ specs: [], folder: missing, resolveFrom: import.meta.url, container: container.createChildContainer() });
    } catch (err) {
      thrown = err;
    }
    expect(thrown).to.be.instanceOf(ConfigError);
    expect((thrown as ConfigError).issues[0]).to.include({ key: 'plugins.folder' });
    expect((thrown as ConfigError).message).to.include(missing).and.to.include('ENOENT');
  });

  it('reports a plugin folder whose package.json does not parse as failed, by folder name', async () => {
    const root = mkdtempSync(join(tmpdir(), 'plugins-'));
    mkdirSync(join(root, 'sink-webdav'));
    // A trailing comma: JSON.parse refuses it.
    writeFileSync(join(root, 'sink-webdav', 'package.json'), '{ "name": "partner-sink-webdav", "filingSync": { "apiVersion": 1, "kind": "sink", "name": "webdav" }, }');
    mkdirSync(join(root, 'not-a-package'));
    const report = await loadPlugins({ specs: [], folder: root, resolveFrom: import.meta.url, container: container.createChildContainer() });
    expect(report.loaded).to.deep.equal([]);
    expect(report.failed).to.have.length(1);
    expect(report.failed[0]).to.include({ name: 'sink-webdav', spec: join(root, 'sink-webdav') });
    expect(report.failed[0]!.reason).to.match(/package\.json .* cannot be read: .*JSON/);
  });

  it('leaves nothing registered by a plugin whose register throws halfway', async () => {
    const root = mkdtempSync(join(tmpdir(), 'plugins-'));
    const token = Symbol.for('test.half');
    const chained = Symbol.for('test.chained');
    plugin(root, 'half', { apiVersion: 1, kind: 'sink', name: 'half', schemes: ['half'] },
      `export function register(c) { c.register(Symbol.for('test.half'), { useValue: 'half' }); throw new Error('second registration failed'); }`);
    plugin(root, 'whole', { apiVersion: 1, kind: 'sink', name: 'whole', schemes: ['whole'] },
      `export async function register(c) {
         c.register(Symbol.for('test.half'), { useValue: 'whole' }).register(Symbol.for('test.chained'), { useValue: 'second' });
         await new Promise((r) => setTimeout(r, 5));
         c.registerInstance(Symbol.for('test.chained'), 'third');
       }`);
    const c = container.createChildContainer();
    let report = await loadPlugins({ specs: [join(root, 'half')], resolveFrom: import.meta.url, container: c });
    expect(report.failed.map((f) => f.reason)).to.deep.equal(['second registration failed']);
    expect(c.isRegistered(token, true)).to.equal(false);
    expect(report.failed[0]).to.include({ manifestName: 'half', kind: 'sink' });
    // A plugin that succeeds has everything it registered, chained calls and later ones included.
    report = await loadPlugins({ specs: [join(root, 'whole')], resolveFrom: import.meta.url, container: c });
    expect(report.loaded).to.have.length(1);
    expect(c.resolveAll(token)).to.deep.equal(['whole']);
    expect(c.resolveAll(chained)).to.deep.equal(['second', 'third']);
  });

  it('loads a plugin by package name although it exports only its entry, not ./package.json', async () => {
    const root = mkdtempSync(join(tmpdir(), 'plugins-'));
    const dir = join(root, 'node_modules', 'acme-sink');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'package.json'), JSON.stringify({
      name: 'acme-sink', version: '1.0.0', type: 'module', exports: { '.': { import: './index.js' } },
      filingSync: { apiVersion: 1, kind: 'sink', name: 'acme', schemes: ['acme'] },
    }));
    writeFileSync(join(dir, 'index.js'), `export function register(c) { c.register(Symbol.for('test.acme'), { useValue: 'acme' }); }`);
    const c = container.createChildContainer();
    // Resolved as the host would: from a module beside that node_modules folder.
    const report = await loadPlugins({ specs: ['acme-sink', 'no-such-plugin-package'], resolveFrom: pathToFileURL(join(root, 'host.js')).href, container: c });
    expect(report.loaded.map((p) => `${p.packageName}@${p.version}`)).to.deep.equal(['acme-sink@1.0.0']);
    expect(c.resolve(Symbol.for('test.acme'))).to.equal('acme');
    expect(report.failed.map((f) => f.name)).to.deep.equal(['no-such-plugin-package']);
    expect(report.failed[0]!.reason).to.match(/not installed/);
  });

  it('resolves folder specs from the config against the config folder, package names as they are', () => {
    expect(resolvePluginSpec('./webdav', '/etc/filing-sync')).to.equal(join('/etc/filing-sync', 'webdav'));
    expect(resolvePluginSpec('../p/webdav', '/etc/filing-sync')).to.equal(join('/etc', 'p', 'webdav'));
    expect(resolvePluginSpec('/opt/webdav', '/etc/filing-sync')).to.equal('/opt/webdav');
    expect(resolvePluginSpec('@partner/sink-webdav', '/etc/filing-sync')).to.equal('@partner/sink-webdav');
  });
});
