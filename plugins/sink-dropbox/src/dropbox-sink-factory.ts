import {
  type SinkContext,
  type SinkFactory,
  ConfigError,
  remoteFolderSegments,
} from '@filing-sync/core';
import { createDropboxClient, dropboxFetch } from './dropbox-client.js';
import { type DropboxSinkConfig, DropboxSinkConfigSchema, resolveDropboxSinkConfig } from './dropbox-config.js';
import { DropboxSink } from './dropbox-sink.js';

/**
 * Makes a {@link DropboxSink} per `dropbox:/Folder/...` target. Credentials come from the host's
 * broker under resource `dropbox` (this plugin's {@link dropboxCredentialProviderFactory} serves
 * them from a refresh token; the desktop host may serve them from its own sign-in).
 * @public
 */
export const dropboxSinkFactory: SinkFactory<DropboxSinkConfig> = {
  name: 'dropbox',
  schemes: ['dropbox'],
  description: 'Dropbox folders (dropbox:/Projects/...), personal or team space, through the official SDK.',
  configSchema: DropboxSinkConfigSchema,
  async create(target: URL, config: DropboxSinkConfig | undefined, context: SinkContext) {
    if (target.protocol !== 'dropbox:') {
      throw new ConfigError([{ key: 'target', expected: 'a dropbox: URI such as dropbox:/Projects/Surrey Court', found: target.href }]);
    }
    const folder = remoteFolderSegments(target);
    const resolved = resolveDropboxSinkConfig(config);
    const pathRoot = typeof resolved.pathRoot === 'object'
      ? JSON.stringify({ '.tag': 'namespace_id', namespace_id: resolved.pathRoot.namespaceId })
      : undefined;
    const client = createDropboxClient({
      broker: context.credentials,
      request: { resource: 'dropbox' },
      fetch: dropboxFetch(resolved.baseUrl, 'sinks.dropbox.baseUrl', resolved.requestTimeoutMs),
      ...(pathRoot === undefined ? {} : { pathRoot }),
      ...(resolved.selectUser === undefined ? {} : { selectUser: resolved.selectUser }),
    });
    return new DropboxSink({ client, folder, config: resolved, credentials: context.credentials, logger: context.logger });
  },
};
