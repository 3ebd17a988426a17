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

  it('never echoes the password of a URL it refuses, even under a key not marked secret', () => {
    const sourceSchema = Type.Object({ url: Type.String({ pattern: '^https?://' }) });
    for (const url of ['ftp://admin:hunter2secret@host', 'https//admin:hunter2secret@host', 'ftp://admin:hunter2 secret@host']) {
      try {
        validateConfig({ source: { url } }, [{ path: 'source', schema: sourceSchema }]);
        expect.fail('should have thrown');
      } catch (err) {
        expect(err).to.be.instanceOf(ConfigError);
        expect((err as ConfigError).issues[0]!.key).to.equal('source.url');
        expect((err as Error).message, url).not.to.include('hunter2');
        expect((err as Error).message, url).to.include('[redacted]@host');
      }
    }
  });

  it('refuses, before anything runs, a lease the filing service would not grant', () => {
    try {
      validateConfig({ lease: { ttlSeconds: 7200 }, connectorId: 'x'.repeat(241) }, [{ path: '', schema: ConnectorConfigSchema }]);
      expect.fail('should have thrown');
    } catch (err) {
      expect(err).to.be.instanceOf(ConfigError);
      const keys = (err as ConfigError).issues.map((i) => i.key);
      expect(keys).to.include.members(['lease.ttlSeconds', 'connectorId']);
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

  // Shaped like credentials.box: a union of methods told apart by `method`, secrets in several.
  const secret = () => Type.String({ minLength: 1, 'x-secret': true });
  const methodsSchema = Type.Union([
    Type.Object({ method: Type.Literal('ccg'), clientId: Type.String({ minLength: 1 }), clientSecret: secret(), enterpriseId: Type.Optional(Type.String()) }, { additionalProperties: false }),
    Type.Object({ method: Type.Literal('oauth'), clientId: Type.String({ minLength: 1 }), clientSecret: secret(), refreshToken: Type.Optional(secret()) }, { additionalProperties: false }),
    Type.Object({ method: Type.Literal('jwt'), configFile: Type.Optional(Type.String()), configJson: Type.Optional(secret()) }, { additionalProperties: false }),
  ]);
  const SECRET = 'Zq8s-very-secret-client-value-0123456789';
  const failWith = (config: Record<string, unknown>, sections: Parameters<typeof validateConfig>[1]): ConfigError => {
    try {
      validateConfig(config, sections);
    } catch (err) {
      expect(err).to.be.instanceOf(ConfigError);
      return err as ConfigError;
    }
    return expect.fail('should have thrown');
  };

  it('never shows a secret of a union section, even one from ${env:}, and reports only the chosen method\'s problems', () => {
    const config: Record<string, unknown> = { credentials: { box: { method: 'ccg', clientSecret: '${env:BOX_SECRET}', clientID: 'abcd' } } };
    resolveReferences(config, '/', { BOX_SECRET: SECRET });
    const err = failWith(config, [{ path: 'credentials.box', schema: methodsSchema }]);
    expect(err.message).not.to.include(SECRET);
    expect(err.message).not.to.include(SECRET.slice(0, 12));
    expect(JSON.stringify(err.issues)).not.to.include(SECRET.slice(0, 12));
    expect(err.issues.map((i) => i.key)).to.have.members(['credentials.box.clientId', 'credentials.box.clientID']);
    expect(err.issues.find((i) => i.key === 'credentials.box.clientId')!.expected).to.match(/required/);
    expect(err.issues.find((i) => i.key === 'credentials.box.clientID')!.expected).to.match(/unknown option/);
    // Nothing from the methods the user did not choose (jwt's "no such key clientSecret", "method must be jwt").
    expect(err.message).not.to.match(/jwt|oauth|clientSecret/);
  });

  it('names the discriminator when the method is unknown or missing, and never prints objects as found', () => {
    let err = failWith({ creds: { method: 'cgg', clientSecret: SECRET } }, [{ path: 'creds', schema: methodsSchema }]);
    expect(err.issues).to.deep.equal([{ key: 'creds.method', expected: 'one of "ccg", "oauth", "jwt"', found: '"cgg"' }]);
    err = failWith({ creds: { clientId: 'x', clientSecret: SECRET } }, [{ path: 'creds', schema: methodsSchema }]);
    expect(err.issues).to.deep.equal([{ key: 'creds.method', expected: 'one of "ccg", "oauth", "jwt" (it is required)' }]);
    // A union without a discriminator, given an object where a string was wanted: its kind only.
    err = failWith({ s: { mode: { a: SECRET } } }, [{ path: 's', schema: Type.Object({ mode: Type.Union([Type.Literal('home'), Type.Literal('team')]) }) }]);
    expect(err.issues).to.deep.equal([{ key: 's.mode', expected: 'one of "home", "team"', found: 'an object' }]);
    expect(err.message).not.to.include(SECRET);
  });

  it('hides a value under a key that is secret in any member of a union, and any secret value wherever it appears', () => {
    // `refreshToken` is secret only in the oauth member; the value is wrong for the ccg member chosen.
    let err = failWith({ c: { method: 'ccg', clientId: 'id', clientSecret: 'x', refreshToken: SECRET } }, [{ path: 'c', schema: methodsSchema }]);
    expect(err.message).not.to.include(SECRET);
    // A malformed secret (too short) is named, never shown.
    err = failWith({ c: { method: 'ccg', clientId: 'id', clientSecret: '' } }, [{ path: 'c', schema: methodsSchema }]);
    expect(err.issues).to.have.length(1);
    expect(err.issues[0]).to.include({ key: 'c.clientSecret', found: '(a secret value, not shown)' });
    // The same secret put under a plain key elsewhere is not shown either.
    err = failWith(
      { c: { method: 'oauth', clientId: 'id', clientSecret: SECRET }, other: { port: SECRET } },
      [{ path: 'c', schema: methodsSchema }, { path: 'other', schema: Type.Object({ port: Type.Integer() }) }],
    );
    expect(err.message).not.to.include(SECRET);
    expect(err.issues).to.deep.equal([{ key: 'other.port', expected: 'integer', found: '(a secret value, not shown)' }]);
  });

  it('reports only the member of the value\'s kind for a union of a constant and an object', () => {
    const schema = Type.Object({ pathRoot: Type.Union([Type.Literal('home'), Type.Object({ namespaceId: Type.String({ minLength: 1 }) }, { additionalProperties: false })]) });
    const err = failWith({ sinks: { dropbox: { pathRoot: { namespaceID: '42' } } } }, [{ path: 'sinks.dropbox', schema }]);
    expect(err.issues.map((i) => `${i.key}: ${i.expected}`)).to.have.members([
      'sinks.dropbox.pathRoot.namespaceId: a value (it is required)',
      'sinks.dropbox.pathRoot.namespaceID: no such key (unknown option; check the spelling)',
    ]);
  });

  it('says an empty section is not an object, instead of inventing a key', () => {
    // YAML `source:` and `sinks: {filesystem: }` give null.
    const config: Record<string, unknown> = { source: null, sinks: { filesystem: null } };
    const err = failWith(config, [
      { path: '', schema: ConnectorConfigSchema },
      { path: 'source', schema: Type.Object({ url: Type.String() }, { additionalProperties: false }) },
      { path: 'sinks.filesystem', schema: sinkSchema },
    ]);
    expect(err.issues).to.deep.equal([
      { key: 'source', expected: 'an object', found: 'nothing' },
      { key: 'sinks.filesystem', expected: 'an object', found: 'nothing' },
    ]);
    expect(err.message).to.include('source: expected an object, found nothing');
    expect(err.message).not.to.include('__notAnObject');
    // A whole section in the wrong shape is described, never printed (it may be a misplaced secret).
    const twice = failWith({ sinks: 'hunter2-secret' }, [
      { path: '', schema: ConnectorConfigSchema },
      { path: 'sinks.a', schema: sinkSchema },
      { path: 'sinks.b', schema: sinkSchema },
    ]);
    expect(twice.issues).to.deep.equal([{ key: 'sinks', expected: 'an object', found: 'a string' }]);
  });
});
