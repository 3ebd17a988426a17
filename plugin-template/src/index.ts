/**
 * @filing-sync/sink-template: a complete, small sink plugin that files messages into a folder on a
 * WebDAV server. Partners copy it (`npm run new-plugin -- <name>`) and replace the HTTP calls
 * with their service's.
 * @packageDocumentation
 */
import { CredentialProviderFactory, SinkFactory, type RegisterPlugin } from '@filing-sync/core';
import { webDavCredentialProviderFactory } from './webdav-credentials.js';
import { WebDavSinkFactory } from './webdav-sink-factory.js';

export { WebDavSinkFactory, parseWebDavTarget } from './webdav-sink-factory.js';
export { WebDavSink, WEBDAV_HASH_KIND, type WebDavTarget } from './webdav-sink.js';
export { WebDavSinkConfigSchema, type WebDavSinkConfig } from './webdav-config.js';
export { webDavCredentialProviderFactory, WebDavCredentialsConfigSchema, WEBDAV_RESOURCE, type WebDavCredentialsConfig } from './webdav-credentials.js';
export { webDavPathRules } from './webdav-path-rules.js';
export { PLUGIN_NAME, SECURE_SCHEME, PLAIN_SCHEME, CREDENTIAL_RESOURCE } from './plugin-info.js';

/**
 * Registers the WebDAV sink factory and the credential provider factory for `credentials.<plugin name>`.
 * The host calls it once after checking the manifest's `apiVersion`.
 * @public
 */
export const register: RegisterPlugin = (container) => {
  container.register(SinkFactory, { useValue: new WebDavSinkFactory() });
  container.register(CredentialProviderFactory, { useValue: webDavCredentialProviderFactory });
};
