import { expect } from 'chai';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { container } from 'tsyringe';
import { ConfigError, PLUGIN_API_VERSION, PermissionDenied, SinkFactory, type SinkFactory as SinkFactoryType } from '@filing-sync/core';
import { silentLogger, staticCredentials } from '@filing-sync/conformance';
import { findAllowedRoot, isInside } from './allowed-roots.js';
import { FilesystemSinkConfigSchema, readFilesystemSinkConfig } from './filesystem-config.js';
import { validateConfig } from '@filing-sync/core';
import { FilesystemSink } from './filesystem-sink.js';
import { FilesystemSinkFactory } from './filesystem-sink-factory.js';
import { register } from './index.js';

const context = { credentials: staticCredentials({ kind: 'none' } as never), logger: silentLogger() };

describe('filesystem sink plugin', () => {
  let base: string;
  beforeEach(async () => {
    base = await mkdtemp(path.join(tmpdir(), 'fs-factory-'));
  });
  afterEach(async () => {
    await rm(base, { recursive: true, force: true });
  });

  it('registers its factory under the core SinkFactory token, serving file:', () => {
    const child = container.createChildContainer();
    register(child, { apiVersion: PLUGIN_API_VERSION, manifest: { apiVersion: 1, kind: 'sink', name: 'filesystem', schemes: ['file'] } });
    const factories = child.resolveAll<SinkFactoryType>(SinkFactory);
    expect(factories.map((f) => [f.name, [...f.schemes]])).to.deep.equal([['filesystem', ['file']]]);
    expect(factories[0]!.configSchema.properties).to.have.keys('allowedRoots', 'partialMaxAgeMinutes');
  });

  it('makes a sink for a target inside an allowed root, without touching the disk', async () => {
    const folder = path.join(base, 'Projects', 'Surrey Court');
    const sink = await new FilesystemSinkFactory().create(pathToFileURL(folder), { allowedRoots: [base], partialMaxAgeMinutes: 10 }, context);
    expect(sink).to.be.instanceOf(FilesystemSink);
    expect(sink.displayPath).to.equal(folder);
  });

  it('refuses targets outside the allowed roots, or with none configured, with PermissionDenied naming the way out', async () => {
    const factory = new FilesystemSinkFactory();
    const outside = await factory.create(pathToFileURL(path.join(base, '..', 'elsewhere')), { allowedRoots: [base], partialMaxAgeMinutes: 10 }, context)
      .catch((e: unknown) => e);
    expect(outside).to.be.instanceOf(PermissionDenied);
    expect((outside as PermissionDenied).message).to.include('outside the allowed roots');
    expect((outside as PermissionDenied).action).to.include('--allow-root');
    const sibling = await factory.create(pathToFileURL(`${base}-sibling`), { allowedRoots: [base], partialMaxAgeMinutes: 10 }, context).catch((e: unknown) => e);
    expect(sibling).to.be.instanceOf(PermissionDenied);
    const none = await factory.create(pathToFileURL(base), undefined as never, context).catch((e: unknown) => e);
    expect(none).to.be.instanceOf(PermissionDenied);
    expect((none as Error).message).to.include('no allowed roots');
  });

  it('names every bad config key at once', () => {
    let err: unknown;
    try {
      readFilesystemSinkConfig({ allowedRoots: ['relative/dir', '', 7], partialMaxAgeMinutes: 0 });
    } catch (e) {
      err = e;
    }
    expect(err).to.be.instanceOf(ConfigError);
    expect((err as ConfigError).issues.map((i) => i.key)).to.deep.equal([
      'sinks.filesystem.allowedRoots[0]', 'sinks.filesystem.allowedRoots[1]', 'sinks.filesystem.allowedRoots[2]', 'sinks.filesystem.partialMaxAgeMinutes',
    ]);
    expect(() => readFilesystemSinkConfig({ allowedRoots: ['\\Projects'] }, path.win32)).to.throw(ConfigError, /absolute folder path/);
    expect(readFilesystemSinkConfig({ allowedRoots: ['D:\\Projects\\'] }, path.win32).allowedRoots).to.deep.equal(['D:\\Projects']);
  });
});

describe('allowed roots', () => {
  it('compares Windows paths normalised and case-insensitively, drive and UNC', () => {
    const w = path.win32;
    expect(isInside('d:\\projects\\Surrey Court\\email', 'D:\\Projects', w)).to.equal(true);
    expect(isInside('D:/Projects/x', 'D:\\Projects\\', w)).to.equal(true);
    expect(isInside('D:\\Projects', 'D:\\Projects', w)).to.equal(true);
    expect(isInside('D:\\Projects2\\x', 'D:\\Projects', w)).to.equal(false);
    // NTFS folds case letter by letter: the Kelvin sign (U+212A) and the Angstrom sign (U+212B) are other names, not
    // "K" and "Å", although JavaScript's toLowerCase makes them so.
    expect(isInside('D:\\Projects\\\u212Aunden\\Acme', 'D:\\Projects\\Kunden', w)).to.equal(false);
    expect(isInside('D:\\Projects\\M\u212Bnad', 'D:\\Projects\\Månad', w)).to.equal(false);
    expect(isInside('D:\\PROJECTS\\KUNDEN\\Acme', 'D:\\Projects\\Kunden', w)).to.equal(true);
    expect(isInside('D:\\Projects\\..\\Windows', 'D:\\Projects', w)).to.equal(false);
    expect(isInside('E:\\Projects', 'D:\\Projects', w)).to.equal(false);
    expect(isInside('D:\\anything', 'D:\\', w)).to.equal(true);
    expect(isInside('\\\\FS01\\Projects\\a', '\\\\fs01\\projects', w)).to.equal(true);
    expect(isInside('\\\\fs01\\other\\a', '\\\\fs01\\projects', w)).to.equal(false);
  });

  it('compares POSIX paths case-sensitively and picks the innermost root', () => {
    const p = path.posix;
    expect(isInside('/srv/Projects/a', '/srv/projects', p)).to.equal(false);
    expect(isInside('/srv/projects/./a/../b', '/srv/projects', p)).to.equal(true);
    expect(isInside('/srv/projects/../etc', '/srv/projects', p)).to.equal(false);
    expect(isInside('/anything', '/', p)).to.equal(true);
    expect(findAllowedRoot('/srv/projects/a/b', ['/srv', '/srv/projects', '/opt'], p)).to.equal('/srv/projects');
    expect(findAllowedRoot('/home/x', ['/srv'], p)).to.equal(undefined);
  });
});

describe('filesystem sink config, checked before anything runs', () => {
  it('refuses a relative allowed root when the config is read, naming it, rather than failing every filing later', () => {
    for (const root of ['out', './out', '\\Projects']) {
      try {
        validateConfig({ sinks: { filesystem: { allowedRoots: ['/srv/projects', root] } } }, [{ path: 'sinks.filesystem', schema: FilesystemSinkConfigSchema }]);
        expect.fail(`${root} was accepted`);
      } catch (err) {
        expect(err, root).to.be.instanceOf(ConfigError);
        const [issue] = (err as ConfigError).issues;
        expect(issue!.key, root).to.equal('sinks.filesystem.allowedRoots.1');
        expect(issue!.expected).to.match(/^an absolute folder path/);
      }
    }
    for (const root of ['/srv/projects', 'D:\\Projects', 'D:/Projects', '\\\\fs01\\projects', '//fs01/projects']) {
      validateConfig({ sinks: { filesystem: { allowedRoots: [root] } } }, [{ path: 'sinks.filesystem', schema: FilesystemSinkConfigSchema }]);
    }
  });
});
