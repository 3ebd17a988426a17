import { ConfigError, type CredentialProviderFactory, type Static, Type, lazyCredentialProvider } from '@filing-sync/core';
import { dropboxFetch } from './dropbox-fetch.js';

/**
 * Config of the `dropbox` credentials section: a refresh token from a one-time sign-in with the
 * app key (PKCE, no secret: a public client), which the SDK exchanges for short-lived access tokens.
 * @public
 */
export const DropboxCredentialsConfigSchema = Type.Object({
  appKey: Type.String({ minLength: 1, description: 'App key of the Dropbox app (its public client id).', examples: ['a1b2c3d4e5f6g7h'] }),
  refreshToken: Type.String({ minLength: 1, 'x-secret': true, description: 'Refresh token from the sign-in (token_access_type=offline). Dropbox refresh tokens do not expire unless revoked.' }),
  appSecret: Type.Optional(Type.String({ minLength: 1, 'x-secret': true, description: 'App secret, only for apps that are confidential clients; PKCE apps have none.' })),
  baseUrl: Type.Optional(Type.String({ description: 'Send every Dropbox call to this origin instead (an API double or proxy). Leave unset in production.', examples: ['https://127.0.0.1:8443'] })),
}, { additionalProperties: false });

/** See {@link DropboxCredentialsConfigSchema}. */
export type DropboxCredentialsConfig = Static<typeof DropboxCredentialsConfigSchema>;

/**
 * Makes `dropbox` credential providers from the `credentials.dropbox` section. Loads no SDK: each
 * provider loads the Dropbox SDK and its {@link DropboxRefreshTokenProvider} on its first `get`.
 * Throws {@link ConfigError} naming each missing key.
 * @public
 */
export const dropboxCredentialProviderFactory: CredentialProviderFactory<DropboxCredentialsConfig> = {
  name: 'dropbox',
  resources: ['dropbox'],
  configSchema: DropboxCredentialsConfigSchema,
  create(config) {
    const issues = [];
    if (typeof config?.appKey !== 'string' || config.appKey === '') issues.push({ key: 'credentials.dropbox.appKey', expected: 'the app key of the Dropbox app' });
    if (typeof config?.refreshToken !== 'string' || config.refreshToken === '') issues.push({ key: 'credentials.dropbox.refreshToken', expected: 'the refresh token from the Dropbox sign-in' });
    if (issues.length) throw new ConfigError(issues);
    // Checks baseUrl now, at start, although the SDK gets its fetch only on the first request.
    dropboxFetch(config.baseUrl, 'credentials.dropbox.baseUrl');
    return lazyCredentialProvider(['dropbox'], async () => new (await import('./dropbox-token-provider.js')).DropboxRefreshTokenProvider(config));
  },
};
