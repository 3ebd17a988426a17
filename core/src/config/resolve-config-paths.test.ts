import { expect } from 'chai';
import { resolve } from 'node:path';
import { Type } from '@sinclair/typebox';
import { resolveConfigPaths } from './resolve-config-paths.js';

describe('resolveConfigPaths', () => {
  it('resolves the relative paths a schema marks x-path against the config file\'s folder, and nothing else', () => {
    const base = resolve('/etc/filing-sync');
    const config: Record<string, unknown> = {
      source: { tokenFile: 'token.txt', url: 'relative/not/a/path' },
      sinks: { filesystem: { allowedRoots: ['projects', resolve('/srv/abs'), 7] } },
    };
    resolveConfigPaths(config, [
      { path: 'source', schema: Type.Object({ tokenFile: Type.Optional(Type.String({ 'x-path': true })), url: Type.String() }) },
      { path: 'sinks.filesystem', schema: Type.Object({ allowedRoots: Type.Array(Type.String({ 'x-path': true })) }) },
      { path: 'sinks.absent', schema: Type.Object({ dir: Type.String({ 'x-path': true }) }) },
    ], base);
    expect(config['source']).to.deep.equal({ tokenFile: resolve(base, 'token.txt'), url: 'relative/not/a/path' });
    // A value of the wrong type is left for validation to refuse, naming it.
    expect((config['sinks'] as Record<string, Record<string, unknown>>)['filesystem']!['allowedRoots']).to.deep.equal([resolve(base, 'projects'), resolve('/srv/abs'), 7]);
    expect((config['sinks'] as Record<string, unknown>)['absent']).to.equal(undefined);
  });
});
