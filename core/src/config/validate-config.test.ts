import { expect } from 'chai';
import { Type } from '@sinclair/typebox';
import { ConfigError } from '../errors.js';
import { ConnectorConfigSchema } from './config-schema.js';
import { resolveReferences } from './load-config.js';
import { validateConfig } from './validate-config.js';

describe('validateConfig', () => {
  const sinkSchema = Type.Object({ allowedRoots: Type.Array(Type.String({ minLength: 1 })), apiKey: Type.Optional(Type.String({ 'x-secret': true, minLength: 40 })) }, { additionalProperties: false });

  it('reports every problem at once, naming the key and what was expected, never echoing a secret', () => {
    const config: Record<string, unknown> = {
      poll: { intervalSeconds: 'soon', batchSize: 0 },
      log: { level: 'loud' },
      stateDirectory: 'x',
      sinks: { filesystem: { allowedRoots: 'C:\\Projects', apiKey: 'short-secret-value' } },
    };
    try {
      validateConfig(config, [
        { path: '', schema: ConnectorConfigSchema },
        { path: 'sinks.filesystem', schema: sinkSchema },
      ]);
      expect.fail('should have thrown');
    } catch (err) {
      expect(err).to.be.instanceOf(ConfigError);
      const issues = (err as ConfigError).issues;
      const keys = issues.map((i) => i.key);
      expect(keys).to.include.members(['poll.intervalSeconds', 'poll.batchSize', 'log.level', 'stateDirectory', 'sinks.filesystem.allowedRoots', 'sinks.filesystem.apiKey']);
      expect(issues.find((i) => i.key === 'poll.intervalSeconds')!.expected).to.equal('number');
      expect(issues.find((i) => i.key === 'log.level')!.expected).to.match(/one of "fatal", "error"/);
      expect(issues.find((i) => i.key === 'stateDirectory')!.expected).to.match(/unknown option/);
      expect((err as Error).message).not.to.include('short-secret-value');
    }
  });

  it('fills in defaults', () => {
    const config: Record<string, unknown> = {};
    validateConfig(config, [{ path: '', schema: ConnectorConfigSchema }]);
    expect(config).to.deep.include({ stateDir: './var/state' });
    expect(config['poll']).to.deep.equal({ intervalSeconds: 30, batchSize: 50 });
  });

  it('resolves ${env:} and ${file:} references and lists the missing ones', () => {
    const config: Record<string, unknown> = { source: { token: '${env:FS_TEST_TOKEN}', other: '${env:FS_TEST_MISSING}' } };
    expect(() => resolveReferences(config, '/', { FS_TEST_TOKEN: 'abc' })).to.throw(ConfigError, /source\.other: expected environment variable FS_TEST_MISSING/);
    expect((config['source'] as Record<string, unknown>)['token']).to.equal('abc');
  });
});
