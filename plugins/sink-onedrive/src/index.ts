/**
 * OneDrive and SharePoint sink for filing-sync, through Microsoft Graph. This entry loads neither
 * the Graph client nor MSAL: they are loaded when a target or a credential is first used. The
 * SDK-bound sink class is in `@filing-sync/sink-onedrive/sdk`.
 * @packageDocumentation
 */
import { SinkFactory, type RegisterPlugin } from '@filing-sync/core';
import { OneDriveSinkFactory } from './sink-factory.js';

export { OneDriveSinkFactory } from './sink-factory.js';
export { OneDriveConfigSchema, type OneDriveConfig } from './config.js';
export { GRAPH_PATH_RULES } from './path-rules.js';
export { GRAPH_MAX_FILE_SIZE, GRAPH_USER_AGENT } from './graph-constants.js';
export { parseDriveTarget, type DriveTarget } from './drive-target.js';
export {
  microsoftGraphCredentials,
  MsalCredentialProvider,
  MicrosoftGraphCredentialsSchema,
  TOKEN_THROTTLE_DEFAULT_MS,
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
