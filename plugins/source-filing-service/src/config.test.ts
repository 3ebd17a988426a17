import { expect } from 'chai';
import { container } from 'tsyringe';
import { ConfigError, PLUGIN_API_VERSION, SourceFactory, type SourceFactory as SourceFactoryType } from '@filing-sync/core';
import { pino } from 'pino';
import { FilingServiceConfigSchema, FilingServiceSource, register, resolveConfig } from './index.js';

function issues(fn: () => unknown): { key: string; expected: string; found?: string }[] {
  try {
    fn();
  } catch (err) {
    expect(err).to.be.instanceOf(ConfigError);
    return [...(err as ConfigError).issues];
  }
  throw new Error('expected a ConfigError');
}

describe('filing-service source config', () => {
  it('applies defaults', () => {
    expect(resolveConfig({ url: 'https://filing.example.com/', tenant: 'acme', token: 't' })).to.deep.equal({
      url: 'https://filing.example.com',
      tenant: 'acme',
      token: 't',
      timeoutMs: 30_000,
      pageSize: 100,
      inlineContentMaxBytes: 262_144,
      retry: { maxAttempts: 5, baseDelayMs: 250, maxDelayMs: 10_000 },
    });
  });

  it('reports every problem at once, naming each key', () => {
    const found = issues(() => resolveConfig({ url: 'ftp://x', tenant: '', pageSize: 0 } as never));
    expect(found.map((i) => i.key)).to.have.members(['source.url', 'source.tenant', 'source.token', 'source.pageSize']);
    expect(found.find((i) => i.key === 'source.token')!.expected).to.contain('token or tokenFile');
  });

  it('refuses token and tokenFile together', () => {
    const found = issues(() => resolveConfig({ url: 'http://127.0.0.1:1', tenant: 'a', token: 'x', tokenFile: '/t' }));
    expect(found).to.deep.equal([{ key: 'source.tokenFile', expected: 'token or tokenFile, not both' }]);
  });

  it('never echoes the token in a config error', () => {
    const err = (() => {
      try {
        resolveConfig({ url: 'not a url', tenant: 'a', token: 'super-secret-value' });
      } catch (e) {
        return e as Error;
      }
      throw new Error('expected a ConfigError');
    })();
    expect(err.message).to.contain('source.url').and.not.contain('super-secret-value');
  });

  it('never echoes a password written into a URL it cannot use', () => {
    const found = issues(() => resolveConfig({ url: 'https://svc:Pa55w0rd-secret@filing.example.com:99999/', tenant: 'a', token: 't' }));
    expect(found).to.have.length(1);
    expect(found[0]!.key).to.equal('source.url');
    expect(found[0]!.found).to.equal('"https://[redacted]@filing.example.com:99999/"');
  });

  it('marks the token as a secret in its schema', () => {
    expect((FilingServiceConfigSchema.properties.token as Record<string, unknown>)['x-secret']).to.equal(true);
    expect(FilingServiceConfigSchema.required).to.have.members(['url', 'tenant']);
  });
});

describe('filing-service plugin registration', () => {
  it('registers a SourceFactory that makes the source from its config', async () => {
    const child = container.createChildContainer();
    await register(child, { apiVersion: PLUGIN_API_VERSION, manifest: { apiVersion: 1, kind: 'source', name: 'filing-service' } });
    const factories = child.resolveAll<SourceFactoryType>(SourceFactory);
    expect(factories.map((f) => f.name)).to.deep.equal(['filing-service']);
    const source = factories[0]!.create({ url: 'http://127.0.0.1:9', tenant: 'acme', token: 't' }, { logger: pino({ level: 'silent' }) });
    expect(source).to.be.instanceOf(FilingServiceSource);
    expect(() => factories[0]!.create({ url: 'http://127.0.0.1:9', tenant: 'acme' }, { logger: pino({ level: 'silent' }) })).to.throw(ConfigError, /source\.token/);
  });
});
