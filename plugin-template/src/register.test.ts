import { expect } from 'chai';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { container as rootContainer } from 'tsyringe';
import {
  AuthError,
  ConfigError,
  CredentialProviderFactory,
  PLUGIN_API_VERSION,
  loadPlugins,
  SinkFactory,
  type CredentialProviderFactory as CredentialProviderFactoryType,
  type PluginManifest,
  type SinkFactory as SinkFactoryType,
} from '@filing-sync/core';
import { silentLogger, staticCredentials } from '@filing-sync/conformance';
import { register, webDavCredentialProviderFactory } from './index.js';
import { CREDENTIAL_RESOURCE, PLAIN_SCHEME, PLUGIN_NAME, SECURE_SCHEME } from './plugin-info.js';

const manifestOf = async (): Promise<PluginManifest> =>
  (JSON.parse(await readFile(new URL('../package.json', import.meta.url), 'utf8')) as { filingSync: PluginManifest }).filingSync;

describe(`${PLUGIN_NAME} plugin: manifest and registration`, () => {
  it('declares the core\'s plugin apiVersion and the names the code uses', async () => {
    const manifest = await manifestOf();
    expect(manifest).to.deep.equal({ apiVersion: PLUGIN_API_VERSION, kind: 'sink', name: PLUGIN_NAME, schemes: [SECURE_SCHEME, PLAIN_SCHEME] });
  });

  it('loads through the host\'s plugin loader from its folder, as a partner package would', async () => {
    const container = rootContainer.createChildContainer();
    const folder = fileURLToPath(new URL('..', import.meta.url));
    const report = await loadPlugins({ specs: [folder], resolveFrom: import.meta.url, container });
    expect(report.failed, JSON.stringify(report.failed)).to.deep.equal([]);
    expect(report.loaded.map((p) => p.manifest.name)).to.deep.equal([PLUGIN_NAME]);
    expect(container.resolveAll<SinkFactoryType>(SinkFactory).map((f) => f.name)).to.deep.equal([PLUGIN_NAME]);
  });

  it('register() adds its sink factory and its credential provider factory to the container', async () => {
    const container = rootContainer.createChildContainer();
    await register(container, { apiVersion: PLUGIN_API_VERSION, manifest: await manifestOf() });
    const sinks = container.resolveAll<SinkFactoryType>(SinkFactory);
    expect(sinks.map((f) => [f.name, [...f.schemes]])).to.deep.equal([[PLUGIN_NAME, [SECURE_SCHEME, PLAIN_SCHEME]]]);
    const providers = container.resolveAll<CredentialProviderFactoryType>(CredentialProviderFactory);
    expect(providers.map((p) => [p.name, [...p.resources]])).to.deep.equal([[PLUGIN_NAME, [CREDENTIAL_RESOURCE]]]);
  });

  it('marks secrets in the credentials schema and keeps them out of the sink schema', async () => {
    const container = rootContainer.createChildContainer();
    await register(container, { apiVersion: PLUGIN_API_VERSION, manifest: await manifestOf() });
    const [provider] = container.resolveAll<CredentialProviderFactoryType>(CredentialProviderFactory);
    const props = (provider!.configSchema as unknown as { properties: Record<string, Record<string, unknown>> }).properties;
    expect(props.password?.['x-secret']).to.equal(true);
    expect(props.token?.['x-secret']).to.equal(true);
    const [sink] = container.resolveAll<SinkFactoryType>(SinkFactory);
    expect(JSON.stringify(sink!.configSchema)).not.to.include('x-secret');
  });

  it('refuses unusable targets with a ConfigError naming the target key', async () => {
    const container = rootContainer.createChildContainer();
    await register(container, { apiVersion: PLUGIN_API_VERSION, manifest: await manifestOf() });
    const [factory] = container.resolveAll<SinkFactoryType>(SinkFactory);
    const context = { credentials: staticCredentials({ type: 'basic', username: 'u', password: 'p' }), logger: silentLogger() };
    for (const bad of [
      `${SECURE_SCHEME}://dav.example.com/`,
      `${SECURE_SCHEME}://dav.example.com/a%2Fb/c`,
      `${PLAIN_SCHEME}://dav.example.com/Projects`,
      `${SECURE_SCHEME}://ann:secret@dav.example.com/Projects`,
      'https://dav.example.com/Projects',
    ]) {
      const error = await factory!.create(new URL(bad), undefined, context).then(() => undefined, (e: unknown) => e);
      expect(error, bad).to.be.instanceOf(ConfigError);
      expect((error as ConfigError).issues[0]!.key, bad).to.equal('target');
      expect((error as ConfigError).message, 'no password in the message').not.to.include('secret');
    }
    const sink = await factory!.create(new URL(`${SECURE_SCHEME}://dav.example.com/Projects/Surrey%20Court`), undefined, context);
    expect(sink.displayPath).to.equal(`${SECURE_SCHEME}://dav.example.com/Projects/Surrey%20Court/`);
  });

  it('needs a token, or a username with a password, and hands out the credential for its host only', async () => {
    const create = (config: object) => webDavCredentialProviderFactory.create(config, { logger: silentLogger(), stateDir: '.' });
    const error = (() => {
      try {
        create({ username: 'ann' });
      } catch (e) {
        return e;
      }
    })();
    expect(error).to.be.instanceOf(ConfigError);
    expect((error as ConfigError).issues[0]!.key).to.equal(`credentials.${PLUGIN_NAME}`);
    expect(await create({ token: 't0ken' }).get({ resource: CREDENTIAL_RESOURCE })).to.deep.equal({ type: 'bearer', accessToken: 't0ken' });
    const scoped = create({ host: 'dav.example.com', username: 'ann', password: 'pw' });
    expect(await scoped.get({ resource: CREDENTIAL_RESOURCE, account: 'DAV.example.com' })).to.deep.equal({ type: 'basic', username: 'ann', password: 'pw' });
    const other = await scoped.get({ resource: CREDENTIAL_RESOURCE, account: 'elsewhere.example.com' }).then(() => undefined, (e: unknown) => e);
    expect(other).to.be.instanceOf(AuthError);
  });
});
