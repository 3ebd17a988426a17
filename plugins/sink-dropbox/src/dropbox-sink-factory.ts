import { type Sink, type SinkContext, type SinkFactory, ConfigError, remoteFolderSegments } from '@filing-sync/core';
import { type DropboxSinkConfig, DropboxSinkConfigSchema, resolveDropboxSinkConfig } from './dropbox-config.js';

/**
 * Makes a {@link DropboxSink} per `dropbox:/Folder/...` target. Credentials come from the host's
 * broker under resource `dropbox` (this plugin's {@link dropboxCredentialProviderFactory} serves
 * them from a refresh token; the desktop host may serve them from its own sign-in). The factory
 * loads no SDK: `dropbox` is imported by the first `create`, so a host without Dropbox targets
 * never loads it.
 * @public
 */
export const dropboxSinkFactory: SinkFactory<DropboxSinkConfig> = {
  name: 'dropbox',
  schemes: ['dropbox'],
  description: 'Dropbox folders (dropbox:/Projects/...), personal or team space, through the official SDK.',
  configSchema: DropboxSinkConfigSchema,
  /**
   * Rejects with {@link ConfigError} naming the URI or the config key when either cannot be used,
   * and as `import()` does if the SDK cannot be loaded (a broken install).
   */
  async create(target: URL, config: DropboxSinkConfig | undefined, context: SinkContext): Promise<Sink> {
    if (target.protocol !== 'dropbox:') {
      throw new ConfigError([{ key: 'target', expected: 'a dropbox: URI such as dropbox:/Projects/Surrey Court', found: target.href }]);
    }
    const folder = remoteFolderSegments(target);
    const resolved = resolveDropboxSinkConfig(config);
    const { openDropboxSink } = await import('./open-dropbox-sink.js');
    return openDropboxSink(folder, resolved, context);
  },
};
