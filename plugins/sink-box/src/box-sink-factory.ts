import { type Sink, type SinkContext, type SinkFactory, ConfigError, remoteFolderSegments } from '@filing-sync/core';
import { type BoxSinkConfig, BoxSinkConfigSchema, resolveBoxSinkConfig } from './box-config.js';
// Types only: box-node-sdk is loaded by create, when a Box target is used.
import type { BoxTransportOptions } from './box-network.js';

/**
 * Makes a {@link BoxSink} per `box:/Folder/...` target (folders from the root of the account the
 * credentials act as). Credentials come from the host's broker under resource `box` (this
 * plugin's {@link boxCredentialProviderFactory} serves them by CCG, OAuth or JWT). `transport`
 * tunes the SDK's HTTPS agent (e.g. a CA for an API double). The factory itself loads no SDK:
 * box-node-sdk is imported by the first `create`, so a host that has no Box target never loads it.
 * @public
 */
export function createBoxSinkFactory(transport: BoxTransportOptions = {}): SinkFactory<BoxSinkConfig> {
  return {
    name: 'box',
    schemes: ['box'],
    description: 'Box folders (box:/Projects/...) through the official SDK.',
    configSchema: BoxSinkConfigSchema,
    /**
     * Checks the URI and the config first (rejects with {@link ConfigError} naming either), then
     * loads the SDK; rejects as `import()` does if the SDK cannot be loaded (a broken install).
     */
    async create(target: URL, config: BoxSinkConfig | undefined, context: SinkContext): Promise<Sink> {
      if (target.protocol !== 'box:') {
        throw new ConfigError([{ key: 'target', expected: 'a box: URI such as box:/Projects/Surrey Court', found: target.href }]);
      }
      const folder = remoteFolderSegments(target);
      const resolved = resolveBoxSinkConfig(config);
      const { openBoxSink } = await import('./open-box-sink.js');
      return openBoxSink(folder, resolved, transport, context);
    },
  };
}

/** The Box sink factory with the SDK's default transport. */
export const boxSinkFactory: SinkFactory<BoxSinkConfig> = createBoxSinkFactory();
