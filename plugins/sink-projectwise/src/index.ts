/**
 * @filing-sync/sink-projectwise: files messages into Bentley ProjectWise through the Web Services Gateway.
 * @packageDocumentation
 */
import { CredentialProviderFactory, SinkFactory, type RegisterPlugin } from '@filing-sync/core';
import { projectWiseCredentialProviderFactory } from './projectwise-credentials.js';
import { ProjectWiseSinkFactory } from './projectwise-sink-factory.js';

export { ProjectWiseSinkFactory, parseProjectWiseTarget } from './projectwise-sink-factory.js';
export { ProjectWiseSink, describe as describeFiling } from './projectwise-sink.js';
export { PROJECTWISE_PATH_RULES } from './projectwise-path-rules.js';
export { ProjectWiseSinkConfigSchema, type ProjectWiseSinkConfig } from './projectwise-config.js';
export { projectWiseCredentialProviderFactory, ProjectWiseCredentialsConfigSchema, type ProjectWiseCredentialsConfig } from './projectwise-credentials.js';
export { WsgClient } from './wsg-client.js';

/**
 * Registers the ProjectWise sink factory and its credential provider factory (Basic or Token).
 * @public
 */
export const register: RegisterPlugin = (container) => {
  container.register(SinkFactory, { useValue: new ProjectWiseSinkFactory() });
  container.register(CredentialProviderFactory, { useValue: projectWiseCredentialProviderFactory });
};
