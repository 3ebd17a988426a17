import { BoxClient } from 'box-node-sdk';
import { type SinkContext, type SinkFactory, ConfigError, remoteFolderSegments } from '@filing-sync/core';
import { BrokerBoxAuth } from './box-broker-auth.js';
import { CommitAttributesInterceptor } from './box-commit-attributes.js';
import { type BoxSinkConfig, BoxSinkConfigSchema, resolveBoxSinkConfig } from './box-config.js';
import { BoxFolderResolver } from './box-folders.js';
import { type BoxTransportOptions, boxNetworkSession } from './box-network.js';
import { BoxSink } from './box-sink.js';

/**
 * Makes a {@link BoxSink} per `box:/Folder/...` target (folders from the root of the account the
 * credentials act as). Credentials come from the host's broker under resource `box` (this
 * plugin's {@link boxCredentialProviderFactory} serves them by CCG, OAuth or JWT). `transport`
 * tunes the SDK's HTTPS agent (e.g. a CA for an API double).
 * @public
 */
export function createBoxSinkFactory(transport: BoxTransportOptions = {}): SinkFactory<BoxSinkConfig> {
  return {
  name: 'box',
  schemes: ['box'],
  description: 'Box folders (box:/Projects/...) through the official SDK.',
  configSchema: BoxSinkConfigSchema,
  async create(target: URL, config: BoxSinkConfig | undefined, context: SinkContext) {
    if (target.protocol !== 'box:') {
      throw new ConfigError([{ key: 'target', expected: 'a box: URI such as box:/Projects/Surrey Court', found: target.href }]);
    }
    const folder = remoteFolderSegments(target);
    const resolved = resolveBoxSinkConfig(config);
    const commitAttributes = new CommitAttributesInterceptor();
    const networkSession = boxNetworkSession(resolved, transport, resolved.requestTimeoutMs).withInterceptors([commitAttributes]);
    let client = new BoxClient({ auth: new BrokerBoxAuth(context.credentials), networkSession });
    if (resolved.asUser) client = client.withAsUserHeader(resolved.asUser);
    return new BoxSink({ client, folders: new BoxFolderResolver(client, resolved.rootFolderId), commitAttributes, folder, config: resolved, logger: context.logger });
  },
};
}

/** The Box sink factory with the SDK's default transport. */
export const boxSinkFactory: SinkFactory<BoxSinkConfig> = createBoxSinkFactory();
