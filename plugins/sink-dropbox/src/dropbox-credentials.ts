import { DropboxAuth, DropboxResponseError } from 'dropbox';
import {
  AuthError,
  ConfigError,
  type Credential,
  type CredentialProvider,
  type CredentialProviderFactory,
  type CredentialRequest,
  type FilingSyncError,
  type Static,
  Type,
} from '@filing-sync/core';
import { dropboxFetch } from './dropbox-client.js';
import { mapDropboxError } from './dropbox-errors.js';

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
 * Serves `dropbox` credentials from a stored refresh token. The SDK's `DropboxAuth` does the
 * refresh (when there is no token, or it is within five minutes of expiry); concurrent requests
 * share one refresh. Never logs a token.
 * @public
 */
export class DropboxRefreshTokenProvider implements CredentialProvider {
  readonly resources = ['dropbox'] as const;
  private readonly auth: DropboxAuth;
  private refreshing: Promise<void> | undefined;

  constructor(config: DropboxCredentialsConfig) {
    this.auth = new DropboxAuth({
      clientId: config.appKey,
      refreshToken: config.refreshToken,
      ...(config.appSecret === undefined ? {} : { clientSecret: config.appSecret }),
      fetch: dropboxFetch(config.baseUrl, 'credentials.dropbox.baseUrl'),
    });
  }

  /**
   * A valid access token. Rejects with {@link AuthError} when Dropbox refuses the refresh token
   * or app key (sign in again), {@link TransientError} when the token endpoint cannot be reached.
   */
  async get(_request: CredentialRequest): Promise<Credential> {
    this.refreshing ??= Promise.resolve(this.auth.checkAndRefreshAccessToken() as unknown as Promise<void>).finally(() => (this.refreshing = undefined));
    try {
      await this.refreshing;
    } catch (err) {
      throw refreshError(err);
    }
    const accessToken = this.auth.getAccessToken();
    if (!accessToken) throw new AuthError('Dropbox returned no access token.');
    const expiresAt = this.auth.getAccessTokenExpiresAt();
    return { type: 'bearer', accessToken, ...(expiresAt ? { expiresAt } : {}) };
  }

  /** Forgets the access token Dropbox refused, so the next `get` refreshes. Never rejects. */
  invalidate(_request: CredentialRequest): void {
    this.auth.setAccessTokenExpiresAt(new Date(0));
  }
}

function refreshError(err: unknown): FilingSyncError {
  // The token endpoint answers 400 (invalid_grant, invalid_client) or 401 for refused credentials.
  if (err instanceof DropboxResponseError && (err.status === 400 || err.status === 401)) {
    const body = err.error as { error?: string; error_description?: string } | undefined;
    return new AuthError(`Dropbox refused the refresh token: ${body?.error ?? err.status}${body?.error_description ? ` (${body.error_description})` : ''}`, {
      cause: err,
      action: 'Sign in to Dropbox again and store the new refresh token under credentials.dropbox.refreshToken.',
    });
  }
  return mapDropboxError(err, 'Dropbox token refresh');
}

/**
 * Makes {@link DropboxRefreshTokenProvider}s from the `credentials.dropbox` section.
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
    return new DropboxRefreshTokenProvider(config);
  },
};
