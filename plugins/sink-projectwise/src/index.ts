/**
 * @filing-sync/sink-projectwise: files messages into Bentley ProjectWise through the Web Services Gateway.
 * @packageDocumentation
 */
import { SinkFactory, type RegisterPlugin } from '@filing-sync/core';
import { ProjectWiseSinkFactory } from './projectwise-sink-factory.js';

export { ProjectWiseSinkFactory, parseProjectWiseTarget } from './projectwise-sink-factory.js';
export { ProjectWiseSink, describe as describeFiling } from './projectwise-sink.js';
export { PROJECTWISE_PATH_RULES } from './projectwise-path-rules.js';
export { ProjectWiseSinkConfigSchema, type ProjectWiseSinkConfig } from './projectwise-config.js';
export { projectWiseCredentialProviderFactory, ProjectWiseCredentialsConfigSchema, type ProjectWiseCredentialsConfig } from './projectwise-credentials.js';
export type { WsgClient } from './wsg-client.js';

/**
 * Registers the ProjectWise sink factory. Credential providers are the host's choice: the service host
 * registers the exported app-level `projectwise` provider factory, the desktop host its sign-in.
 * @public
 */
export const register: RegisterPlugin = (container) => {
  container.register(SinkFactory, { useValue: new ProjectWiseSinkFactory() });
};
