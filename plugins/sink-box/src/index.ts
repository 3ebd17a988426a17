/**
 * Box sink plugin for filing-sync: `box:/Projects/...` targets through the official SDK
 * (box-node-sdk 10), and the `box` credential provider (CCG, OAuth with rotating refresh tokens, JWT).
 * This entry loads no SDK, so a host can offer Box without paying for it until a Box target or
 * credential is used; the SDK-bound classes are in `@filing-sync/sink-box/sdk`.
 * @packageDocumentation
 */
import { type RegisterPlugin, SinkFactory } from '@filing-sync/core';
import { boxSinkFactory } from './box-sink-factory.js';

export { boxSinkFactory, createBoxSinkFactory } from './box-sink-factory.js';
export type { BoxTransportOptions } from './box-network.js';
export { BoxSinkConfigSchema, type BoxSinkConfig, resolveBoxSinkConfig } from './box-config.js';
export { boxCredentialProviderFactory, createBoxCredentialProviderFactory, BoxCredentialsConfigSchema, type BoxCredentialsConfig } from './box-credentials.js';
export { FileTokenStorage } from './box-token-file.js';
export { BoxSinkRetryStrategy } from './box-retry-strategy.js';
export { BOX_PATH_RULES } from './box-path-rules.js';

/**
 * Registers the Box sink factory. Credential providers are the host's choice: the service host
 * registers the exported app-level `box` provider factory, the desktop host its sign-in.
 * @public
 */
export const register: RegisterPlugin = (container) => {
  container.register(SinkFactory, { useValue: boxSinkFactory });
};
