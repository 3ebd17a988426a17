import { readFileSync, readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { DependencyContainer } from 'tsyringe';
import { PLUGIN_API_VERSION, type PluginKind, type PluginManifest, type RegisterPlugin } from '../contracts/plugin.js';

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
  /** A folder whose subfolders with a `filingSync` manifest are loaded too (partner plugins). */
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
 * @public
 */
export async function loadPlugins(options: LoadPluginsOptions): Promise<PluginReport> {
  const specs = [...options.specs, ...(options.folder ? pluginFolders(options.folder) : [])];
  const report: PluginReport = { loaded: [], failed: [] };
  const seen = new Set<string>();
  const require = createRequire(options.resolveFrom);
  for (const spec of specs) {
    let name = spec;
    let schemes: string[] | undefined;
    try {
      const pkgPath = isPathSpec(spec) ? join(resolve(spec), 'package.json') : require.resolve(`${spec}/package.json`);
      const pkg = JSON.parse(readFileSync(pkgPath, 'utf8')) as PackageJson;
      name = pkg.name ?? spec;
      if (seen.has(name)) continue;
      schemes = Array.isArray(pkg.filingSync?.schemes) ? [...pkg.filingSync.schemes] : undefined;
      const manifest = checkManifest(pkg);
      const entry = resolveEntry(pkg, dirname(pkgPath));
      const mod = (await import(pathToFileURL(entry).href)) as { register?: RegisterPlugin; default?: { register?: RegisterPlugin } };
      const register = mod.register ?? mod.default?.register;
      if (typeof register !== 'function') throw new Error(`its entry ${entry} exports no register(container, api) function`);
      await register(options.container, { apiVersion: PLUGIN_API_VERSION, manifest });
      seen.add(name);
      report.loaded.push({ spec, packageName: name, version: pkg.version ?? '0.0.0', manifest });
    } catch (err) {
      report.failed.push({ spec, name, ...(schemes ? { schemes } : {}), reason: (err as Error).message ?? String(err) });
    }
  }
  return report;
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
  let target: unknown = typeof exp === 'string' ? exp : exp?.['.'];
  if (target && typeof target === 'object') {
    const t = target as Record<string, unknown>;
    target = t['import'] ?? t['default'] ?? t['node'];
  }
  const rel = typeof target === 'string' ? target : pkg.main ?? 'index.js';
  return resolve(dir, rel);
}

function isPathSpec(spec: string): boolean {
  return spec.startsWith('.') || isAbsolute(spec) || /^[A-Za-z]:[\\/]/.test(spec);
}

function pluginFolders(folder: string): string[] {
  let entries: string[];
  try {
    entries = readdirSync(folder);
  } catch {
    return [];
  }
  return entries
    .map((e) => join(folder, e))
    .filter((p) => {
      try {
        return statSync(p).isDirectory() && 'filingSync' in (JSON.parse(readFileSync(join(p, 'package.json'), 'utf8')) as object);
      } catch {
        return false;
      }
    })
    .sort();
}
