/**
 * OneDrive and SharePoint sink for filing-sync, through Microsoft Graph.
 * @packageDocumentation
 */
import { SinkFactory, type RegisterPlugin } from '@filing-sync/core';
import { OneDriveSinkFactory } from './sink-factory.js';

export { OneDriveSinkFactory } from './sink-factory.js';
export { OneDriveSink, GRAPH_MAX_FILE_SIZE } from './onedrive-sink.js';
export { OneDriveConfigSchema, type OneDriveConfig } from './config.js';
export { GRAPH_PATH_RULES } from './path-rules.js';
export { GRAPH_USER_AGENT } from './graph-api.js';
export { parseDriveTarget, type DriveTarget } from './drive-location.js';
export {
  microsoftGraphCredentials,
  MsalCredentialProvider,
  MicrosoftGraphCredentialsSchema,
  type MicrosoftGraphCredentialsConfig,
} from './msal-credentials.js';

/**
 * Registers the OneDrive/SharePoint sink factory. The `microsoft-graph` credential provider
 * factory ({@link microsoftGraphCredentials}) is not registered here: each host chooses its own
 * credential providers in its composition root.
 * @public
 */
export const register: RegisterPlugin = (container) => {
  container.register(SinkFactory, { useValue: new OneDriveSinkFactory() });
};
