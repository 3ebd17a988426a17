/**
 * Dropbox sink plugin for filing-sync: `dropbox:/Projects/...` targets through the official SDK
 * (`dropbox` 10.34.0), and the `dropbox` credential provider (refresh token + app key).
 * This entry loads no SDK: `dropbox` is loaded when a Dropbox target or credential is first used.
 * The SDK-bound classes are in `@filing-sync/sink-dropbox/sdk`.
 * @packageDocumentation
 */
import { type RegisterPlugin, SinkFactory } from '@filing-sync/core';
import { dropboxSinkFactory } from './dropbox-sink-factory.js';

export { dropboxSinkFactory } from './dropbox-sink-factory.js';
export { DropboxSinkConfigSchema, type DropboxSinkConfig, resolveDropboxSinkConfig } from './dropbox-config.js';
export { dropboxCredentialProviderFactory, DropboxCredentialsConfigSchema, type DropboxCredentialsConfig } from './dropbox-credentials.js';
export { DROPBOX_PATH_RULES } from './dropbox-path-rules.js';
export { dropboxFetch, DEFAULT_REQUEST_TIMEOUT_MS } from './dropbox-fetch.js';

/**
 * Registers the Dropbox sink factory. Credential providers are the host's choice: the service host
 * registers the exported app-level `dropbox` provider factory, the desktop host its sign-in.
 * @public
 */
export const register: RegisterPlugin = (container) => {
  container.register(SinkFactory, { useValue: dropboxSinkFactory });
};
