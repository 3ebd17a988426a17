import { BoxClient } from 'box-node-sdk';
import type { SinkContext } from '@filing-sync/core';
import { BrokerBoxAuth } from './box-broker-auth.js';
import { CommitAttributesInterceptor } from './box-commit-attributes.js';
import type { ResolvedBoxSinkConfig } from './box-config.js';
import { BoxFolderResolver } from './box-folders.js';
import { type BoxTransportOptions, boxNetworkSession } from './box-network.js';
import { BoxSink } from './box-sink.js';

/**
 * A {@link BoxSink} for one folder: the SDK client over a network session that carries the commit
 * attributes, authenticated by the host's credential broker. The module that loads box-node-sdk,
 * on a Box target's first use. Does no I/O; never throws for a checked config.
 */
export function openBoxSink(folder: readonly string[], config: ResolvedBoxSinkConfig, transport: BoxTransportOptions, context: SinkContext): BoxSink {
  const commitAttributes = new CommitAttributesInterceptor();
  const networkSession = boxNetworkSession(config, transport, config.requestTimeoutMs).withInterceptors([commitAttributes]);
  let client = new BoxClient({ auth: new BrokerBoxAuth(context.credentials), networkSession });
  if (config.asUser) client = client.withAsUserHeader(config.asUser);
  return new BoxSink({ client, folders: new BoxFolderResolver(client, config.rootFolderId), commitAttributes, folder, config, logger: context.logger });
}
