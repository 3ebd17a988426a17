import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Writable } from 'node:stream';
import { expect } from 'chai';
import { container as rootContainer, type DependencyContainer, type InjectionToken } from 'tsyringe';
import * as core from '@filing-sync/core';
import { CredentialProviderFactory, Formatter, SinkFactory, SourceFactory, bootConnector, loadConfiguration, type HostDefinition } from '@filing-sync/core';
import { serviceHost, SERVICE_PLUGINS } from '@filing-sync/host-service';
import { SignIns, SIGN_IN_SERVICES } from './auth/sign-ins.js';
import { desktopHost, DESKTOP_PLUGINS } from './composition.js';
import { startDesktop, type DesktopFixture } from './e2e/fixture.test.helpers.js';

interface Registration {
  token: InjectionToken;
  value: unknown;
}

/** Loads a host's plugins the way every boot does, recording each registration in the container. */
async function registrationsOf(host: HostDefinition): Promise<{ registrations: Registration[]; loaded: string[] }> {
  const registrations: Registration[] = [];
  const original = rootContainer.createChildContainer.bind(rootContainer);
  rootContainer.createChildContainer = (): DependencyContainer => {
    const child = original();
    const register = child.register.bind(child) as (t: InjectionToken, p: unknown, o?: unknown) => DependencyContainer;
    (child as { register: unknown }).register = (token: InjectionToken, provider: { useValue?: unknown }, opts?: unknown) => {
      registrations.push({ token, value: provider.useValue ?? provider });
      return register(token, provider, opts);
    };
    return child;
  };
  try {
    const { plugins } = await loadConfiguration(host, {});
    expect(plugins.failed, 'plugins that failed to load').to.deep.equal([]);
    return { registrations, loaded: plugins.loaded.map((p) => p.packageName) };
  } finally {
    rootContainer.createChildContainer = original;
  }
}

/** The manifest kind (`sink`, `source`, `formatter`) of a plugin package. */
function kindOf(name: string): string {
  const require = createRequire(import.meta.url);
  return (JSON.parse(readFileSync(require.resolve(`${name}/package.json`), 'utf8')) as { filingSync: { kind: string } }).filingSync.kind;
}

/** The same registered thing: one object, or instances of one class with one name (plugin objects are made per container). */
function sameThing(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  const x = a as { constructor?: unknown; name?: unknown };
  const y = b as { constructor?: unknown; name?: unknown };
  return typeof a === 'object' && typeof b === 'object' && x.constructor === y.constructor && x.constructor !== Object && x.name === y.name;
}

const CORE_TOKENS = [SinkFactory, SourceFactory, Formatter, CredentialProviderFactory];

describe('desktop composition root compared with the service host', function () {
  const signIns = new SignIns({ get: async () => undefined, set: async () => {}, delete: async () => {} });
  const desktop = desktopHost({ signIns });
  const service = serviceHost();

  it('boots through the same core module: one copy of the contracts and tokens for both hosts', () => {
    const fromDesktop = createRequire(import.meta.url).resolve('@filing-sync/core');
    const fromService = createRequire(createRequire(import.meta.url).resolve('@filing-sync/host-service')).resolve('@filing-sync/core');
    expect(fromDesktop).to.equal(fromService);
    // The tokens are the core's global symbols, so a plugin registered by either host lands under the same key.
    expect(SinkFactory).to.equal(Symbol.for('filing-sync.SinkFactory'));
    expect(core.CredentialProviderFactory).to.equal(Symbol.for('filing-sync.CredentialProviderFactory'));
  });

  it('defines the same things: only the variant, the plugin list and the credential factories differ', () => {
    expect(Object.keys(desktop).sort()).to.deep.equal(Object.keys(service).sort());
    expect(desktop.variant).to.equal('desktop');
    expect(service.variant).to.equal('service');
    expect(service.credentialFactories.some((f: unknown) => desktop.credentialFactories.includes(f as never))).to.equal(false);
    expect(desktop.credentialFactories.map((f) => f.name)).to.deep.equal(SIGN_IN_SERVICES.map((s) => s.name));
  });

  it('loads every plugin the service host loads (any extra would be a sink plugin), the cloud sinks among them', () => {
    for (const p of SERVICE_PLUGINS) expect(desktop.plugins, p).to.include(p);
    for (const p of desktop.plugins.filter((x) => !SERVICE_PLUGINS.includes(x))) expect(kindOf(p), p).to.equal('sink');
    const sinks = desktop.plugins.filter((p) => kindOf(p) === 'sink');
    expect(sinks).to.include.members(['@filing-sync/sink-filesystem', '@filing-sync/sink-onedrive', '@filing-sync/sink-dropbox', '@filing-sync/sink-box', '@filing-sync/sink-egnyte', '@filing-sync/sink-projectwise']);
    // Cloud sinks not installed are simply left out; here all are present.
    expect(desktop.plugins).to.deep.equal(DESKTOP_PLUGINS);
  });

  it('registers the same plugin code under the same core tokens; only the credential factories (and any extra sink) differ', async () => {
    const s = await registrationsOf(service);
    const d = await registrationsOf(desktop);
    for (const r of [...s.registrations, ...d.registrations]) expect(CORE_TOKENS, String(r.token.toString())).to.include(r.token);
    // Every registration of the service host is made by the desktop host too, under the same token,
    // by the same plugin code (a plugin makes a fresh instance per container, so the class and name
    // are compared), except its credential factories, which are the one thing a host chooses.
    const same = (x: Registration, y: Registration) => x.token === y.token && sameThing(x.value, y.value);
    for (const r of s.registrations.filter((x) => x.token !== CredentialProviderFactory)) {
      expect(d.registrations.some((x) => same(x, r)), `${String(r.token.toString())} ${(r.value as { name?: string }).name}`).to.equal(true);
    }
    const onlyDesktop = d.registrations.filter((x) => !s.registrations.some((y) => same(x, y)));
    for (const r of onlyDesktop) expect([SinkFactory, CredentialProviderFactory], String(r.token.toString())).to.include(r.token);
    const interactive = onlyDesktop.filter((r) => desktop.credentialFactories.includes(r.value as never));
    expect(interactive).to.have.length(desktop.credentialFactories.length);
    const sinkNames = (list: Registration[]) => list.filter((r) => r.token === SinkFactory).map((r) => (r.value as { name: string }).name).sort();
    expect(sinkNames(d.registrations)).to.include.members(['filesystem', 'onedrive', 'dropbox', 'box', 'egnyte', 'projectwise']);
    expect(sinkNames(d.registrations)).to.include.members(sinkNames(s.registrations));
    // The credential factories are the hosts' own: app-level for the service, the user's sign-in for the desktop.
    const credentials = (list: Registration[]) => list.filter((r) => r.token === CredentialProviderFactory).map((r) => r.value);
    expect(credentials(d.registrations)).to.have.members([...desktop.credentialFactories]);
    expect(credentials(s.registrations)).to.have.members([...service.credentialFactories]);
  });

  describe('booted with one config', () => {
    let d: DesktopFixture;
    before(async () => {
      d = await startDesktop({ locations: [{ id: 'L1', name: 'Surrey Court', format: 'eml', targets: ['surrey'] }] });
      await d.app.stop();
    });
    after(async () => d?.close());

    it('wires the same engine, store, source and formatters; only sinks and credential providers differ', async () => {
      const quiet = new Writable({ write: (_c, _e, cb) => cb() });
      const config = JSON.parse(readFileSync(d.configPath, 'utf8')) as { license?: string };
      // The licence is for the desktop variant; the service host is booted without the licence check to compare the wiring.
      const a = await bootConnector(desktop, { configPath: d.configPath, logDestination: quiet });
      a.close();
      const b = await bootConnector(service, { configPath: d.configPath, logDestination: quiet, skipLicenceCheck: true });
      b.close();
      expect(config.license).to.equal(undefined);
      expect(a.engine.constructor).to.equal(b.engine.constructor);
      expect(a.store.constructor).to.equal(b.store.constructor);
      expect(a.sinks.constructor).to.equal(b.sinks.constructor);
      expect(a.source.constructor).to.equal(b.source.constructor);
      // Each loaded sink plugin fills in its own section's defaults; everything else is the same.
      const { sinks: sinksA, ...restA } = a.config;
      const { sinks: sinksB, ...restB } = b.config;
      expect(restA).to.deep.equal(restB);
      for (const name of Object.keys(sinksB)) expect(sinksA[name], name).to.deep.equal(sinksB[name]);
      const formatters = (c: typeof a) => c.container.resolveAll<{ name: string }>(Formatter);
      expect(formatters(a)).to.deep.equal(formatters(b));
      expect(a.container.resolveAll(SourceFactory)).to.deep.equal(b.container.resolveAll(SourceFactory));
      expect(a.licence?.payload.variant).to.equal('desktop');
    });
  });
});
