/**
 * @filing-sync/sink-egnyte: files messages into Egnyte folders through the Egnyte Public API v1.
 * @packageDocumentation
 */
import { CredentialProviderFactory, SinkFactory, type RegisterPlugin } from '@filing-sync/core';
import { egnyteCredentialProviderFactory } from './egnyte-credentials.js';
import { EgnyteSinkFactory } from './egnyte-sink-factory.js';

export { EgnyteSinkFactory, parseEgnyteTarget } from './egnyte-sink-factory.js';
export { EgnyteSink } from './egnyte-sink.js';
export { EGNYTE_PATH_RULES } from './egnyte-path-rules.js';
export { EgnyteSinkConfigSchema, type EgnyteSinkConfig } from './egnyte-config.js';
export { egnyteCredentialProviderFactory, EgnyteCredentialsConfigSchema, type EgnyteCredentialsConfig } from './egnyte-credentials.js';

/**
 * Registers the Egnyte sink factory and the Egnyte credential provider factory (access token or
 * password grant). Hosts that sign users in themselves (the desktop host) may register their own
 * provider for resource `egnyte` instead of configuring this one.
 * @public
 */
export const register: RegisterPlugin = (container) => {
  container.register(SinkFactory, { useValue: new EgnyteSinkFactory() });
  container.register(CredentialProviderFactory, { useValue: egnyteCredentialProviderFactory });
};
