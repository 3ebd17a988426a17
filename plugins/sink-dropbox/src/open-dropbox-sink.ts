import type { SinkContext } from '@filing-sync/core';
import { createDropboxClient, dropboxFetch } from './dropbox-client.js';
import type { ResolvedDropboxSinkConfig } from './dropbox-config.js';
import { DropboxSink } from './dropbox-sink.js';

/**
 * A {@link DropboxSink} for one folder: the SDK client (the module that loads `dropbox`, on a
 * Dropbox target's first use) in the configured namespace and as the configured team member,
 * authenticated by the host's credential broker. Does no I/O; never throws for a checked config.
 */
export function openDropboxSink(folder: readonly string[], config: ResolvedDropboxSinkConfig, context: SinkContext): DropboxSink {
  const pathRoot = typeof config.pathRoot === 'object'
    ? JSON.stringify({ '.tag': 'namespace_id', namespace_id: config.pathRoot.namespaceId })
    : undefined;
  const client = createDropboxClient({
    broker: context.credentials,
    request: { resource: 'dropbox' },
    fetch: dropboxFetch(config.baseUrl, 'sinks.dropbox.baseUrl', config.requestTimeoutMs),
    ...(pathRoot === undefined ? {} : { pathRoot }),
    ...(config.selectUser === undefined ? {} : { selectUser: config.selectUser }),
  });
  return new DropboxSink({ client, folder, config, credentials: context.credentials, logger: context.logger });
}
