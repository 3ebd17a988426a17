/**
 * The filesystem sink plugin's factory: `file:` targets, plain local paths and UNC paths.
 * @packageDocumentation
 */
import path from 'node:path';
import { PermissionDenied, fileUrlToPath, type SinkContext, type SinkFactory } from '@filing-sync/core';
import { findAllowedRoot } from './allowed-roots.js';
import { FilesystemSinkConfigSchema, readFilesystemSinkConfig, type FilesystemSinkConfig } from './filesystem-config.js';
import { FilesystemSink } from './filesystem-sink.js';

/**
 * Makes a {@link FilesystemSink} per `file:` target. A target outside every allowed root is refused
 * with {@link PermissionDenied} (the engine skips that target and reports why, the others are
 * still written): the location comes from the filing service, and this host's config decides
 * where it may write. Rejects with {@link ConfigError} for a bad config section or a URL that is
 * no path on this platform (a `D:` or UNC target on Linux).
 * @public
 */
export class FilesystemSinkFactory implements SinkFactory<FilesystemSinkConfig> {
  readonly name = 'filesystem';
  readonly schemes = ['file'] as const;
  readonly description = 'Local folders and network shares (UNC paths), written atomically without replacing.';
  readonly configSchema = FilesystemSinkConfigSchema;
  /** Many small writes overlap well on a disk or share: their syncs are shared between files. */
  readonly defaultConcurrency = 48;

  async create(target: URL, config: FilesystemSinkConfig, context: SinkContext): Promise<FilesystemSink> {
    const settings = readFilesystemSinkConfig(config);
    const folder = path.resolve(fileUrlToPath(target));
    const root = findAllowedRoot(folder, settings.allowedRoots);
    if (root === undefined) {
      throw new PermissionDenied(
        settings.allowedRoots.length === 0
          ? `${folder} is refused: no allowed roots are configured for filesystem targets.`
          : `${folder} is outside the allowed roots (${settings.allowedRoots.join(', ')}).`,
        { action: 'Add the folder (or a parent) to sinks.filesystem.allowedRoots, or pass --allow-root DIR.' },
      );
    }
    return new FilesystemSink({
      folder,
      root,
      allowedRoots: settings.allowedRoots,
      partialMaxAgeMs: settings.partialMaxAgeMs,
      logger: context.logger,
      ...(context.instanceId ? { instanceId: context.instanceId } : {}),
    });
  }
}
