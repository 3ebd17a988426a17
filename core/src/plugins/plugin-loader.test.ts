import { expect } from 'chai';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { container } from 'tsyringe';
import { loadPlugins } from './plugin-loader.js';

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
});
