import 'reflect-metadata';
import { join, resolve } from 'node:path';
import { container as rootContainer, type DependencyContainer } from 'tsyringe';
import type { DestinationStream, Logger } from 'pino';
import { CredentialProviderFactory, type CredentialProvider } from '../contracts/credential-provider.js';
import { Formatter } from '../contracts/formatter.js';
import { SinkFactory } from '../contracts/sink-factory.js';
import { SourceFactory } from '../contracts/source-factory.js';
import type { Source } from '../contracts/source.js';
import { ConnectorConfigSchema, type ConnectorConfig } from '../config/config-schema.js';
import { collectSecrets, configBaseDir, readConfigFile, resolveReferences, setPath } from '../config/load-config.js';
import { validateConfig, type ConfigSection } from '../config/validate-config.js';
import { Engine, type EngineObserver } from '../engine/engine.js';
import { SinkRegistry } from '../engine/sink-registry.js';
import { ConfigError, type ConfigIssue } from '../errors.js';
import { createLogger, openLogFiles } from '../logging/logger.js';
import { SecretRegistry } from '../logging/secret-registry.js';
import { NameTemplate } from '../naming/name-template.js';
import { checkLicence, type VerifiedLicence } from '../licence/verify-licence.js';
import { loadPlugins, type PluginReport } from '../plugins/plugin-loader.js';
import { StateStore } from '../state/state-store.js';
import { ProviderBroker } from './credential-broker.js';

/**
 * What makes a host a host: the plugins it loads and the credential providers it registers.
 * Everything else is this shared boot.
 * @public
 */
export interface HostDefinition {
  /** `service` or `desktop`; checked against the licence's variant. */
  variant: 'service' | 'desktop';
  /** Plugins the host always loads (package names), before those in the config. */
  plugins: readonly string[];
  /** Credential provider factories the host offers (app-only for the service, interactive for the desktop). */
  credentialFactories: readonly CredentialProviderFactory[];
  /** The host's module URL: plugin package names are resolved from there. */
  resolveFrom: string;
  /** The folder the host is installed in: `Sync-license.lic` is looked for there after the config's folder. */
  installDir?: string;
}

/** A command-line flag laid over the config file. */
export interface ConfigOverride {
  /** Dotted key, e.g. `source.url`. */
  key: string;
  value: unknown;
  /** Append to an array (repeatable flags such as `--allow-root`). */
  append?: boolean;
}

/** Options of {@link bootConnector}. */
export interface BootOptions {
  configPath?: string;
  overrides?: readonly ConfigOverride[];
  /** Log destination (stdout by default). */
  logDestination?: DestinationStream;
  /** Open the state store read-only without its lock (for `status`). */
  readOnlyStore?: boolean;
  observer?: EngineObserver;
  /** Boot without the licence check: only for `doctor`, which checks and reports the licence itself. */
  skipLicenceCheck?: boolean;
}

/** A booted connector, ready to run. */
export interface Connector {
  config: ConnectorConfig;
  logger: Logger;
  secrets: SecretRegistry;
  container: DependencyContainer;
  plugins: PluginReport;
  store: StateStore;
  source: Source;
  sinks: SinkRegistry;
  engine: Engine;
  /** The licence it runs under (absent only with `skipLicenceCheck`). */
  licence?: VerifiedLicence;
  /** Closes the state store. Never throws. */
  close(): void;
}

/**
 * Boots a connector the same way for every host: reads and validates the config (core and every
 * plugin section, all errors at once), loads plugins, opens the state store, and wires the
 * engine. Throws {@link ConfigError} before anything runs when the config is wrong.
 * @public
 */
export async function bootConnector(host: HostDefinition, options: BootOptions = {}): Promise<Connector> {
  const { config: raw, container, plugins } = await loadConfiguration(host, options);
  const secrets = new SecretRegistry();
  const factories = container.isRegistered(SinkFactory) ? container.resolveAll<SinkFactory>(SinkFactory) : [];
  const sourceFactories = container.isRegistered(SourceFactory) ? container.resolveAll<SourceFactory>(SourceFactory) : [];
  const credentialFactories = container.isRegistered(CredentialProviderFactory)
    ? container.resolveAll<CredentialProviderFactory>(CredentialProviderFactory)
    : [];
  const sourceFactory = sourceFactories[0];
  const issues: ConfigIssue[] = [];
  if (!sourceFactory) issues.push({ key: 'source', expected: 'a loaded source plugin (none loaded; see the plugin errors)' });

  const sections: ConfigSection[] = [{ path: '', schema: ConnectorConfigSchema }];
  if (sourceFactory) sections.push({ path: 'source', schema: sourceFactory.configSchema });
  for (const f of factories) sections.push({ path: `sinks.${f.name}`, schema: f.configSchema });
  const rawCredentials = (raw['credentials'] ?? {}) as Record<string, unknown>;
  const usedCredentials = credentialFactories.filter((f) => rawCredentials[f.name] !== undefined);
  for (const f of usedCredentials) sections.push({ path: `credentials.${f.name}`, schema: f.configSchema });
  for (const name of Object.keys((raw['sinks'] ?? {}) as object)) {
    if (!factories.some((f) => f.name === name)) issues.push({ key: `sinks.${name}`, expected: `the name of a loaded sink plugin (${factories.map((f) => f.name).join(', ') || 'none'})` });
  }
  for (const name of Object.keys(rawCredentials)) {
    if (!credentialFactories.some((f) => f.name === name)) {
      issues.push({ key: `credentials.${name}`, expected: `a credential provider this host offers (${credentialFactories.map((f) => f.name).join(', ') || 'none'})` });
    }
  }
  try {
    validateConfig(raw, sections);
  } catch (err) {
    if (err instanceof ConfigError) issues.push(...err.issues);
    else throw err;
  }
  const config = raw as unknown as ConnectorConfig;
  let template: NameTemplate | undefined;
  try {
    template = NameTemplate.parse(config.naming?.template ?? '{sent:iso} {subject}');
  } catch (err) {
    if (err instanceof ConfigError) issues.push(...err.issues);
    else throw err;
  }
  if (issues.length) throw new ConfigError(issues);

  // Before anything is created or contacted: without a valid licence nothing syncs for the tenant.
  const licence = options.skipLicenceCheck
    ? undefined
    : checkLicence(
        { configured: config.license, baseDir: configBaseDir(options.configPath), installDir: host.installDir },
        { tenant: tenantOf(config), variant: host.variant },
      );

  for (const s of sections) collectSecrets(s.path ? getSection(raw, s.path) : raw, s.schema, secrets);
  const stateDir = resolve(configBaseDir(options.configPath), config.stateDir);
  const files = config.log.files;
  const logger = createLogger({
    level: config.log.level,
    ...(config.log.pretty === undefined ? {} : { pretty: config.log.pretty }),
    // A given destination (tests, benchmarks) is the only one; otherwise stdout and rotating files.
    ...(options.logDestination
      ? { destination: options.logDestination }
      : files.enabled && !options.readOnlyStore
        ? { files: await openLogFiles({ dir: join(stateDir, 'logs'), maxSize: files.maxSize, keep: files.keep }) }
        : {}),
    secrets,
  });
  if (licence) logLicence(logger, licence);
  for (const f of plugins.failed) logger.error({ plugin: f.name, reason: f.reason }, `plugin ${f.name} failed to load; running without it`);

  const store = StateStore.open(stateDir, { readOnly: !!options.readOnlyStore });
  try {
    const providers: CredentialProvider[] = usedCredentials.map((f) => f.create(getSection(raw, `credentials.${f.name}`), { logger: logger.child({ credentials: f.name }), stateDir }));
    const credentials = new ProviderBroker(providers);
    const source = sourceFactory!.create(config.source, { logger: logger.child({ source: sourceFactory!.name }), credentials });
    const sinks = new SinkRegistry(factories, (f) => getSection(raw, `sinks.${f.name}`), { credentials, logger, ...(options.readOnlyStore ? {} : { instanceId: store.instanceId }) }, plugins.failed, logger);
    const formatters = container.isRegistered(Formatter) ? container.resolveAll<Formatter>(Formatter) : [];
    const engine = new Engine(
      { source, store, sinks, formatters, logger, ...(options.observer ? { observer: options.observer } : {}) },
      {
        connectorId: config.connectorId ?? Engine.defaultConnectorId(),
        leaseTtlMs: config.lease.ttlSeconds * 1000,
        pollIntervalMs: config.poll.intervalSeconds * 1000,
        batchSize: config.poll.batchSize,
        filingConcurrency: config.concurrency.filings,
        perSink: config.concurrency.perSink,
        defaultPerSink: config.concurrency.defaultPerSink,
        retry: config.retry,
        template: template!,
        defaultFormat: config.defaultFormat,
        spoolDir: join(stateDir, 'spool'),
        stopDeadlineMs: 10_000,
      },
    );
    return { config, logger, secrets, container, plugins, store, source, sinks, engine, ...(licence ? { licence } : {}), close: () => store.close() };
  } catch (err) {
    store.close();
    throw err;
  }
}

/**
 * Reads the config file, lays the overrides over it, resolves `${env:…}`/`${file:…}` references
 * and loads the plugins into a child container of the host. Shared by `run`, `status` and `doctor`.
 * @public
 */
export async function loadConfiguration(
  host: HostDefinition,
  options: Pick<BootOptions, 'configPath' | 'overrides'>,
): Promise<{ config: Record<string, unknown>; container: DependencyContainer; plugins: PluginReport }> {
  const config = options.configPath ? readConfigFile(options.configPath) : {};
  for (const o of options.overrides ?? []) if (o.value !== undefined) setPath(config, o.key, o.value, o.append);
  resolveReferences(config, configBaseDir(options.configPath));
  const container = rootContainer.createChildContainer();
  for (const f of host.credentialFactories) container.register(CredentialProviderFactory, { useValue: f });
  const pluginSection = (config['plugins'] ?? {}) as { load?: unknown; folder?: unknown };
  const extra = Array.isArray(pluginSection.load) ? pluginSection.load.filter((s): s is string => typeof s === 'string') : [];
  const folder = typeof pluginSection.folder === 'string' ? resolve(configBaseDir(options.configPath), pluginSection.folder) : undefined;
  const plugins = await loadPlugins({ specs: [...host.plugins, ...extra], ...(folder ? { folder } : {}), resolveFrom: host.resolveFrom, container });
  return { config, container, plugins };
}

function tenantOf(config: ConnectorConfig): string | undefined {
  const tenant = (config.source as { tenant?: unknown }).tenant;
  return typeof tenant === 'string' ? tenant : undefined;
}

function logLicence(logger: Logger, licence: VerifiedLicence): void {
  const p = licence.payload;
  logger.info({ licensee: p.licensee, tenant: p.tenant, variant: p.variant, expiresAt: p.expiresAt, maxLocations: p.maxLocations, file: licence.path }, 'licence verified');
  if (licence.key.development) {
    logger.warn({ keyId: licence.key.keyId }, 'the licence is signed with the published development key: this build is not a release build');
  }
  if (licence.daysLeft < 30) logger.warn({ expiresAt: p.expiresAt, daysLeft: licence.daysLeft }, `the licence expires in ${licence.daysLeft} day(s): ask your vendor to renew it`);
}

function getSection(config: Record<string, unknown>, path: string): Record<string, unknown> {
  let cur: unknown = config;
  for (const p of path.split('.')) cur = cur && typeof cur === 'object' ? (cur as Record<string, unknown>)[p] : undefined;
  return (cur ?? {}) as Record<string, unknown>;
}
