import type { DependencyContainer } from 'tsyringe';

/** The plugin API version this core speaks. Plugins declare the one they were built for. */
export const PLUGIN_API_VERSION = 1;

/** Kinds of plugin. */
export type PluginKind = 'source' | 'formatter' | 'sink' | 'credentials';

/**
 * The `filingSync` section of a plugin's `package.json`.
 * @public
 */
export interface PluginManifest {
  /** Must equal {@link PLUGIN_API_VERSION}. */
  apiVersion: number;
  kind: PluginKind;
  /** Short name, e.g. `dropbox`. */
  name: string;
  /** URI schemes a sink plugin serves. */
  schemes?: string[];
}

/** What the core hands to a plugin's `register`. */
export interface PluginApi {
  /** The core's plugin API version. */
  apiVersion: number;
  /** The manifest the loader read for this plugin. */
  manifest: PluginManifest;
}

/**
 * The one export of a plugin's entry module: registers its factories, formatters or providers
 * in the host's container. May throw; the loader then reports the plugin as failed by name.
 * @public
 */
export type RegisterPlugin = (container: DependencyContainer, api: PluginApi) => void | Promise<void>;
