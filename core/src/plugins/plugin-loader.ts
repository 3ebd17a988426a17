import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, dirname, isAbsolute, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { DependencyContainer } from 'tsyringe';
import { PLUGIN_API_VERSION, type PluginKind, type PluginManifest, type RegisterPlugin } from '../contracts/plugin.js';
import { ConfigError, type ConfigIssue } from '../errors.js';

/** A plugin that loaded and registered itself. */
export interface LoadedPlugin {
  /** The spec it was loaded from (package name or folder). */
  spec: string;
  packageName: string;
  version: string;
  manifest: PluginManifest;
}

/** A plugin that did not load, and why, by name. */
export interface FailedPlugin {
  spec: string;
  /** Package name or manifest name when known, else the spec. */
  name: string;
  /** URI schemes its manifest declared, when it got that far; targets of these fail with `reason`. */
  schemes?: string[];
  /** Kind its manifest declared, when it got that far. */
  kind?: PluginKind;
  /**
   * Name its manifest declared (e.g. `webdav`), when it got that far: its config section
   * (`sinks.<manifestName>`) is then known to belong to a plugin that failed, not to a misspelling.
   */
  manifestName?: string;
  reason: string;
}

/** Result of {@link loadPlugins}. */
export interface PluginReport {
  loaded: LoadedPlugin[];
  failed: FailedPlugin[];
}

/** Options of {@link loadPlugins}. */
export interface LoadPluginsOptions {
  /** Package names or folder paths. */
  specs: readonly string[];
  /**
   * A folder whose subfolders with a `filingSync` manifest are loaded too (partner plugins); the
   * config's `plugins.folder`. It must exist: {@link loadPlugins} throws {@link ConfigError} for
   * `plugins.folder` otherwise. A subfolder whose package.json cannot be read or parsed is
   * reported as failed by its folder name.
   */
  folder?: string;
  /** Resolve package names from here (the host's own module URL), so the host's dependencies are found. */
  resolveFrom: string;
  container: DependencyContainer;
}

const KINDS: readonly PluginKind[] = ['source', 'formatter', 'sink', 'credentials'];

/**
 * Loads plugins by package name or folder path with dynamic `import()`, checks each manifest
 * (`filingSync` in package.json) and its `apiVersion`, and calls its `register(container, api)`.
 *
 * Never throws for a plugin: one that fails is listed in `failed` with its name and reason, and the
 * others load on (the host runs without it and reports its targets as failed with that reason).
 * A plugin whose `register` throws leaves nothing registered. Package names are looked up in the
 * `node_modules` folders from `resolveFrom` up, so a package need not export `./package.json`.
 * Throws {@link ConfigError} for `plugins.folder` only, when `folder` is not a readable folder.
 * @public
 */
export async function loadPlugins(options: LoadPluginsOptions): Promise<PluginReport> {
  const report: PluginReport = { loaded: [], failed: [] };
  const folderSpecs: string[] = [];
  if (options.folder) {
    for (const entry of pluginFolders(options.folder)) {
      if ('reason' in entry) report.failed.push(entry);
      else folderSpecs.push(entry.spec);
    }
  }
  const specs = [...options.specs, ...folderSpecs];
  const seen = new Set<string>();
  const require = createRequire(options.resolveFrom);
  for (const spec of specs) {
    let name = spec;
    let schemes: string[] | undefined;
    let declared: Pick<FailedPlugin, 'kind' | 'manifestName'> = {};
    try {
      const pkgPath = isPathSpec(spec) ? join(resolve(spec), 'package.json') : packageJsonOf(spec, require);
      const pkg = JSON.parse(readFileSync(pkgPath, 'utf8')) as PackageJson;
      name = pkg.name ?? spec;
      if (seen.has(name)) continue;
      schemes = Array.isArray(pkg.filingSync?.schemes) ? [...pkg.filingSync.schemes] : undefined;
      declared = {
        ...(typeof pkg.filingSync?.kind === 'string' ? { kind: pkg.filingSync.kind } : {}),
        ...(typeof pkg.filingSync?.name === 'string' && pkg.filingSync.name ? { manifestName: pkg.filingSync.name } : {}),
      };
      const manifest = checkManifest(pkg);
      const entry = resolveEntry(pkg, dirname(pkgPath));
      const mod = (await import(pathToFileURL(entry).href)) as { register?: RegisterPlugin; default?: { register?: RegisterPlugin } };
      const register = mod.register ?? mod.default?.register;
      if (typeof register !== 'function') throw new Error(`its entry ${entry} exports no register(container, api) function`);
      // A register that throws halfway must leave nothing behind (a factory serving its scheme
      // although the plugin is reported as failed): it registers into a staging container, and
      // its registrations reach the host's container only when it returns.
      const staging = stagingContainer(options.container);
      await register(staging.container, { apiVersion: PLUGIN_API_VERSION, manifest });
      staging.commit();
      seen.add(name);
      report.loaded.push({ spec, packageName: name, version: pkg.version ?? '0.0.0', manifest });
    } catch (err) {
      report.failed.push({ spec, name, ...(schemes ? { schemes } : {}), ...declared, reason: (err as Error).message ?? String(err) });
    }
  }
  return report;
}

/**
 * Resolves a plugin spec from the config: a folder path relative to `baseDir` (the config file's
 * folder), a package name as it is.
 * @public
 */
export function resolvePluginSpec(spec: string, baseDir: string): string {
  return isPathSpec(spec) && !isAbsolute(spec) ? resolve(baseDir, spec) : spec;
}

/** The methods of a container that register something. */
const REGISTERING = new Set(['register', 'registerInstance', 'registerSingleton', 'registerType']);

/**
 * A child of `target` that records what is registered in it, and {@link commit} to register the
 * same in `target`. (tsyringe cannot list or remove a container's registrations, so they are
 * replayed rather than copied or undone.)
 */
function stagingContainer(target: DependencyContainer): { container: DependencyContainer; commit(): void } {
  const child = target.createChildContainer();
  const calls: { method: string; args: unknown[] }[] = [];
  const container: DependencyContainer = new Proxy(child, {
    get(obj, prop) {
      if (typeof prop === 'string' && REGISTERING.has(prop)) {
        return (...args: unknown[]) => {
          (obj as unknown as Record<string, (...a: unknown[]) => unknown>)[prop]!(...args);
          calls.push({ method: prop, args });
          // Chained calls (`c.register(a).register(b)`) must come back through the recorder.
          return container;
        };
      }
      const value = Reflect.get(obj, prop, obj) as unknown;
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(obj) : value;
    },
  });
  return {
    container,
    commit: () => {
      for (const { method, args } of calls) (target as unknown as Record<string, (...a: unknown[]) => unknown>)[method]!(...args);
    },
  };
}

/**
 * The package.json of an installed package, found the way Node finds the package folder (the
 * `node_modules` folders from `resolveFrom` upwards), so the package need not export
 * `./package.json`.
 */
function packageJsonOf(spec: string, require: NodeJS.Require): string {
  for (const dir of require.resolve.paths(spec) ?? []) {
    const candidate = join(dir, spec, 'package.json');
    if (existsSync(candidate)) return candidate;
  }
  throw new Error(`the package ${spec} is not installed (looked in the node_modules folders from ${require.resolve.paths(spec)?.[0] ?? 'the host'} up)`);
}

interface PackageJson {
  name?: string;
  version?: string;
  main?: string;
  exports?: unknown;
  filingSync?: Partial<PluginManifest>;
}

function checkManifest(pkg: PackageJson): PluginManifest {
  const m = pkg.filingSync;
  if (!m || typeof m !== 'object') throw new Error('its package.json has no "filingSync" manifest');
  if (m.apiVersion !== PLUGIN_API_VERSION) {
    throw new Error(`it was built for plugin API version ${String(m.apiVersion)}, this filing-sync speaks version ${PLUGIN_API_VERSION}`);
  }
  if (!m.kind || !KINDS.includes(m.kind)) throw new Error(`its manifest kind ${JSON.stringify(m.kind)} is not one of ${KINDS.join(', ')}`);
  if (typeof m.name !== 'string' || !m.name) throw new Error('its manifest has no name');
  return { apiVersion: m.apiVersion, kind: m.kind, name: m.name, ...(m.schemes ? { schemes: [...m.schemes] } : {}) };
}

function resolveEntry(pkg: PackageJson, dir: string): string {
  const exp = pkg.exports as Record<string, unknown> | string | undefined;
  // `exports` may be the entry itself, a map of conditions, or a map of subpaths whose "." is one of those.
  const root = exp && typeof exp === 'object' && Object.keys(exp).some((k) => k.startsWith('.')) ? exp['.'] : exp;
  const target = pickCondition(root);
  const rel = typeof target === 'string' ? target : pkg.main ?? 'index.js';
  return resolve(dir, rel);
}

/** The path a conditional export gives for `import()` under Node, if any. */
function pickCondition(target: unknown): string | undefined {
  if (typeof target === 'string') return target;
  if (Array.isArray(target)) {
    for (const t of target) {
      const picked = pickCondition(t);
      if (picked) return picked;
    }
    return undefined;
  }
  if (!target || typeof target !== 'object') return undefined;
  for (const [condition, value] of Object.entries(target as Record<string, unknown>)) {
    if (condition === 'import' || condition === 'node' || condition === 'default') {
      const picked = pickCondition(value);
      if (picked) return picked;
    }
  }
  return undefined;
}

function isPathSpec(spec: string): boolean {
  return spec.startsWith('.') || isAbsolute(spec) || /^[A-Za-z]:[\\/]/.test(spec);
}

/**
 * The problem with `plugins.folder` when it is not a readable folder, naming the folder and the
 * system's reason; `undefined` when it is one.
 * @public
 */
export function pluginFolderIssue(folder: string): ConfigIssue | undefined {
  try {
    if (!statSync(folder).isDirectory()) return { key: 'plugins.folder', expected: `a folder of plugin packages (${folder} is a file)` };
    readdirSync(folder);
    return undefined;
  } catch (err) {
    return { key: 'plugins.folder', expected: `an existing folder of plugin packages (${folder}: ${(err as Error).message})` };
  }
}

/**
 * The plugin packages in `folder`: each subfolder whose package.json has a `filingSync` manifest,
 * and as failed plugins (by folder name) those whose package.json cannot be read or parsed.
 * Subfolders without a package.json, and hidden ones, are not plugins and are passed over.
 */
function pluginFolders(folder: string): ({ spec: string } | FailedPlugin)[] {
  const issue = pluginFolderIssue(folder);
  if (issue) throw new ConfigError([issue], { action: 'Create the plugins folder, or correct or remove plugins.folder, then start again.' });
  const entries = readdirSync(folder);
  const found: ({ spec: string } | FailedPlugin)[] = [];
  for (const e of entries.sort()) {
    const dir = join(folder, e);
    if (e.startsWith('.')) continue;
    try {
      if (!statSync(dir).isDirectory()) continue;
    } catch {
      continue;
    }
    const pkgPath = join(dir, 'package.json');
    if (!existsSync(pkgPath)) continue;
    try {
      const pkg = JSON.parse(readFileSync(pkgPath, 'utf8')) as unknown;
      if (pkg && typeof pkg === 'object' && 'filingSync' in pkg) found.push({ spec: dir });
    } catch (err) {
      found.push({ spec: dir, name: basename(dir), reason: `its package.json ${pkgPath} cannot be read: ${(err as Error).message}` });
    }
  }
  return found;
}
