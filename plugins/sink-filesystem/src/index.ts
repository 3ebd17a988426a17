/**
 * `@filing-sync/sink-filesystem`: writes filings into local folders and UNC network shares.
 * @packageDocumentation
 */
import { SinkFactory, type PluginApi } from '@filing-sync/core';
import type { DependencyContainer } from 'tsyringe';
import { FilesystemSinkFactory } from './filesystem-sink-factory.js';

export { FilesystemSinkFactory } from './filesystem-sink-factory.js';
export { FilesystemSink, filesystemPathRules, PUBLISH_RETRY_POLICY, type FilesystemSinkOptions, type PublishOps } from './filesystem-sink.js';
export { FilesystemSinkConfigSchema, readFilesystemSinkConfig, DEFAULT_PARTIAL_MAX_AGE_MINUTES, type FilesystemSinkConfig, type FilesystemSinkSettings } from './filesystem-config.js';
export { cleanupPartials, PARTIAL_FILE_PATTERN, type CleanupOptions } from './cleanup-partials.js';
export { isInside, findAllowedRoot, realpathOfExisting, type PathApi } from './allowed-roots.js';
export { mapFsError } from './fs-errors.js';

/**
 * Registers the filesystem {@link SinkFactory} for `file:` targets.
 * @public
 */
export function register(container: DependencyContainer, _api: PluginApi): void {
  container.register(SinkFactory, { useValue: new FilesystemSinkFactory() });
}
