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
import { getPath, validateConfig, type ConfigSection } from '../config/validate-config.js';
import { resolveConfigPaths } from '../config/resolve-config-paths.js';
import { isRecord } from '../config/is-record.js';
import { Engine, type EngineObserver } from '../engine/engine.js';
import { SinkRegistry } from '../engine/sink-registry.js';
import { ConfigError, type ConfigIssue, type StoreBusy } from '../errors.js';
import { createLogger, openLogFiles } from '../logging/logger.js';
import { SecretRegistry } from '../logging/secret-registry.js';
import { NameTemplate } from '../naming/name-template.js';
import { checkLicence, type VerifiedLicence } from '../licence/verify-licence.js';
import { loadPlugins, pluginFolderIssue, resolvePluginSpec, type FailedPlugin, type PluginReport } from '../plugins/plugin-loader.js';
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
  /**
   * The value. Paths (`stateDir`, `license`) are resolved against the config file's folder like
   * the file's own values, so a host passes a flag's path already absolute (resolved against the
   * current folder, where the user typed it).
   */
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
 * engine. Throws {@link ConfigError} before anything runs when the config is wrong, or when the
 * state folder cannot be used, and {@link StoreBusy} when another process uses the store.
 *
 * Plugins that failed to load are logged first (before validation) and the connector runs on
 * without them: their config sections are not validated, their targets fail with their reason,
 * and a config problem that may stem from one names them with their reason.
 * @public
 */
export async function bootConnector(host: HostDefinition, options: BootOptions = {}): Promise<Connector> {
  const { config: raw, container, plugins, issues: loadIssues } = await loadConfiguration(host, options);
  const secrets = new SecretRegistry();
  // Said first, so that the reason is shown even when the config then fails to validate.
  if (plugins.failed.length) {
    logFailedPlugins(createLogger({ level: levelOf(raw), ...prettyOf(raw), ...(options.logDestination ? { destination: options.logDestination } : {}) }), plugins.failed);
  }
  const factories = container.isRegistered(SinkFactory) ? container.resolveAll<SinkFactory>(SinkFactory) : [];
  const sourceFactories = container.isRegistered(SourceFactory) ? container.resolveAll<SourceFactory>(SourceFactory) : [];
  const credentialFactories = container.isRegistered(CredentialProviderFactory)
    ? container.resolveAll<CredentialProviderFactory>(CredentialProviderFactory)
    : [];
  const sourceFactory = sourceFactories[0];
  const issues: ConfigIssue[] = [...loadIssues];
  // A section that belongs to a plugin that failed to load has no schema to be checked against:
  // the host runs on without the plugin, and its targets fail with the plugin's reason.
  const failedNamed = (name: string) => plugins.failed.find((f) => f.manifestName === name);
  const failedUnnamed = plugins.failed.filter((f) => f.manifestName === undefined);
  const failedNote = (list: readonly FailedPlugin[]) => (list.length ? `; failed to load: ${list.map((f) => `${f.name} (${f.reason})`).join('; ')}` : '');
  if (!sourceFactory) {
    const failedSources = plugins.failed.filter((f) => f.kind === 'source' || f.kind === undefined);
    issues.push({ key: 'source', expected: `a loaded source plugin (none loaded${failedNote(failedSources)})` });
  }

  const sections: ConfigSection[] = [{ path: '', schema: ConnectorConfigSchema }];
  if (sourceFactory) sections.push({ path: 'source', schema: sourceFactory.configSchema });
  for (const f of factories) sections.push({ path: `sinks.${f.name}`, schema: f.configSchema });
  const rawCredentials = (isRecord(raw['credentials']) ? raw['credentials'] : {}) as Record<string, unknown>;
  const usedCredentials = credentialFactories.filter((f) => rawCredentials[f.name] !== undefined);
  for (const f of usedCredentials) sections.push({ path: `credentials.${f.name}`, schema: f.configSchema });
  const sinkNames = `${factories.map((f) => f.name).join(', ') || 'none'}`;
  for (const name of Object.keys(isRecord(raw['sinks']) ? raw['sinks'] : {})) {
    if (factories.some((f) => f.name === name) || failedNamed(name)) continue;
    issues.push({ key: `sinks.${name}`, expected: `the name of a loaded sink plugin (${sinkNames}${failedNote(failedUnnamed)})` });
  }
  for (const name of Object.keys(rawCredentials)) {
    if (credentialFactories.some((f) => f.name === name) || failedNamed(name)) continue;
    issues.push({ key: `credentials.${name}`, expected: `a credential provider this host offers (${credentialFactories.map((f) => f.name).join(', ') || 'none'}${failedNote(failedUnnamed)})` });
  }
  // Paths in the config file are relative to its folder (flags were resolved where they were typed).
  resolveConfigPaths(raw, sections, configBaseDir(options.configPath));
  try {
    validateConfig(raw, sections);
  } catch (err) {
    if (err instanceof ConfigError) issues.push(...err.issues);
    else throw err;
  }
  // The engine looks perSink up by sink name: a key no sink has would be ignored without a word.
  const perSink = getPath(raw, 'concurrency.perSink');
  for (const name of Object.keys(isRecord(perSink) ? perSink : {})) {
    if (factories.some((f) => f.name === name) || failedNamed(name)) continue;
    issues.push({ key: `concurrency.perSink.${name}`, expected: `the name of a loaded sink plugin (${sinkNames}${failedNote(failedUnnamed)})` });
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
  // A given destination (tests, benchmarks) is the only one; otherwise stdout and rotating files.
  const logFiles = !options.logDestination && files.enabled && !options.readOnlyStore ? await openLogFolder(join(stateDir, 'logs'), files) : undefined;
  const logger = createLogger({
    level: config.log.level,
    ...(config.log.pretty === undefined ? {} : { pretty: config.log.pretty }),
    ...(options.logDestination ? { destination: options.logDestination } : logFiles ? { files: logFiles } : {}),
    secrets,
  });
  // Already said on stdout before validation; the log files must have it too.
  if (logFiles && plugins.failed.length) logFailedPlugins(createLogger({ level: config.log.level, files: logFiles, stdout: false, secrets }), plugins.failed);
  if (licence) logLicence(logger, licence);

  const store = StateStore.open(stateDir, { readOnly: !!options.readOnlyStore });
  try {
    const providers: CredentialProvider[] = usedCredentials.map((f) => f.create(getSection(raw, `credentials.${f.name}`), { logger: logger.child({ credentials: f.name }), stateDir }));
    const credentials = new ProviderBroker(providers, secrets);
    const source = sourceFactory!.create(config.source, { logger: logger.child({ source: sourceFactory!.name }), credentials, secrets });
    const sinks = new SinkRegistry(factories, (f) => getSection(raw, `sinks.${f.name}`), { credentials, logger, ...(options.readOnlyStore ? {} : { instanceId: store.instanceId }) }, plugins.failed, logger);
    const formatters = container.isRegistered(Formatter) ? container.resolveAll<Formatter>(Formatter) : [];
    const engine = new Engine(
      { source, store, sinks, formatters, logger, secrets, ...(options.observer ? { observer: options.observer } : {}) },
      {
        // A configured name is this installation's: two machines given the same config must not pass for one holder,
        // which the service re-grants the lease to (it would fence each off in turn, and both would write).
        connectorId: config.connectorId ? (options.readOnlyStore ? config.connectorId : `${config.connectorId} [${store.instanceId}]`) : Engine.defaultConnectorId(),
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
 * Plugin paths in the config (`plugins.load` folders, `plugins.folder`) are relative to the config
 * file's folder. Throws {@link ConfigError} when the file cannot be read or a reference not
 * resolved; returns as `issues` the config problems found while loading plugins (a missing
 * `plugins.folder`), which {@link bootConnector} reports with the rest.
 * @public
 */
export async function loadConfiguration(
  host: HostDefinition,
  options: Pick<BootOptions, 'configPath' | 'overrides'>,
): Promise<{ config: Record<string, unknown>; container: DependencyContainer; plugins: PluginReport; issues: ConfigIssue[] }> {
  const config = options.configPath ? readConfigFile(options.configPath) : {};
  for (const o of options.overrides ?? []) if (o.value !== undefined) setPath(config, o.key, o.value, o.append);
  resolveReferences(config, configBaseDir(options.configPath));
  const container = rootContainer.createChildContainer();
  for (const f of host.credentialFactories) container.register(CredentialProviderFactory, { useValue: f });
  const pluginSection = (isRecord(config['plugins']) ? config['plugins'] : {}) as { load?: unknown; folder?: unknown };
  // Paths in the config file are relative to its folder, like every other path in it.
  const baseDir = configBaseDir(options.configPath);
  const extra = Array.isArray(pluginSection.load)
    ? pluginSection.load.filter((s): s is string => typeof s === 'string' && s !== '').map((s) => resolvePluginSpec(s, baseDir))
    : [];
  let folder = typeof pluginSection.folder === 'string' && pluginSection.folder !== '' ? resolve(baseDir, pluginSection.folder) : undefined;
  // A missing plugins folder is a config problem, reported with the others by bootConnector; the
  // config itself is still returned (status and doctor read it whatever the plugins do).
  const issues: ConfigIssue[] = [];
  const folderIssue = folder ? pluginFolderIssue(folder) : undefined;
  if (folderIssue) {
    issues.push(folderIssue);
    folder = undefined;
  }
  const plugins = await loadPlugins({ specs: [...host.plugins, ...extra], ...(folder ? { folder } : {}), resolveFrom: host.resolveFrom, container });
  return { config, container, plugins, issues };
}

/** Logs each plugin that failed to load, with its reason. */
function logFailedPlugins(logger: Logger, failed: readonly FailedPlugin[]): void {
  for (const f of failed) logger.error({ plugin: f.name, spec: f.spec, reason: f.reason }, `plugin ${f.name} failed to load; running without it`);
}

/** The configured log level if it is one, for logging before the config is validated. */
function levelOf(raw: Record<string, unknown>): string {
  const level = getPath(raw, 'log.level');
  return typeof level === 'string' && ['fatal', 'error', 'warn', 'info', 'debug', 'trace'].includes(level) ? level : 'info';
}

function prettyOf(raw: Record<string, unknown>): { pretty?: boolean } {
  const pretty = getPath(raw, 'log.pretty');
  return typeof pretty === 'boolean' ? { pretty } : {};
}

/**
 * Opens the rotating log files in `dir`, turning a folder that cannot be made or written (a path
 * under a file, missing permissions) into a {@link ConfigError} for `stateDir`.
 */
async function openLogFolder(dir: string, files: { maxSize: string; keep: number }): Promise<DestinationStream> {
  try {
    return await openLogFiles({ dir, maxSize: files.maxSize, keep: files.keep });
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    if (typeof code !== 'string' || !/^E[A-Z]+$/.test(code)) throw err;
    throw new ConfigError([{ key: 'stateDir', expected: `a folder the log files can be written in (${dir}: ${(err as Error).message})` }], {
      cause: err,
      action: 'Choose a state folder (--state-dir / stateDir) that is a folder, or can be created as one, and that the account filing-sync runs as may write; or turn log.files.enabled off.',
    });
  }
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
