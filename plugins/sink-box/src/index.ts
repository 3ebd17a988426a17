/**
 * Box sink plugin for filing-sync: `box:/Projects/...` targets through the official SDK
 * (box-node-sdk 10), and the `box` credential provider (CCG, OAuth with rotating refresh tokens, JWT).
 * @packageDocumentation
 */
import { CredentialProviderFactory, type RegisterPlugin, SinkFactory } from '@filing-sync/core';
import { boxCredentialProviderFactory } from './box-credentials.js';
import { boxSinkFactory } from './box-sink-factory.js';

export { boxSinkFactory, createBoxSinkFactory } from './box-sink-factory.js';
export { type BoxTransportOptions } from './box-network.js';
export { BoxSink, type BoxSinkOptions } from './box-sink.js';
export { BoxSinkConfigSchema, type BoxSinkConfig, resolveBoxSinkConfig } from './box-config.js';
export { boxCredentialProviderFactory, createBoxCredentialProviderFactory, BoxTokenProvider, BoxCredentialsConfigSchema, type BoxCredentialsConfig } from './box-credentials.js';
export { FileTokenStorage } from './box-token-file.js';
export { BoxSinkRetryStrategy } from './box-retry-strategy.js';
export { BOX_PATH_RULES } from './box-path-rules.js';
export { mapBoxError } from './box-errors.js';

/**
 * Registers the Box sink factory and the `box` credential provider factory (hosts that sign
 * users in themselves may register their own provider for resource `box` instead).
 * @public
 */
export const register: RegisterPlugin = (container) => {
  container.register(SinkFactory, { useValue: boxSinkFactory });
  container.register(CredentialProviderFactory, { useValue: boxCredentialProviderFactory });
};
