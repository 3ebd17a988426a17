/**
 * @filing-sync/sink-egnyte: files messages into Egnyte folders through the Egnyte Public API v1.
 * @packageDocumentation
 */
import { SinkFactory, type RegisterPlugin } from '@filing-sync/core';
import { EgnyteSinkFactory } from './egnyte-sink-factory.js';

export { EgnyteSinkFactory, parseEgnyteTarget } from './egnyte-sink-factory.js';
export { EgnyteSink } from './egnyte-sink.js';
export { EGNYTE_PATH_RULES } from './egnyte-path-rules.js';
export { EgnyteSinkConfigSchema, type EgnyteSinkConfig } from './egnyte-config.js';
export { egnyteCredentialProviderFactory, EgnyteCredentialsConfigSchema, type EgnyteCredentialsConfig } from './egnyte-credentials.js';

/**
 * Registers the Egnyte sink factory. Credential providers are the host's choice: the service host
 * registers the exported app-level `egnyte` provider factory, the desktop host its sign-in.
 * @public
 */
export const register: RegisterPlugin = (container) => {
  container.register(SinkFactory, { useValue: new EgnyteSinkFactory() });
};
