import { DropboxAuth, DropboxResponseError } from 'dropbox';
import { AuthError, type Credential, type CredentialProvider, type CredentialRequest, type FilingSyncError } from '@filing-sync/core';
import { dropboxFetch } from './dropbox-client.js';
import type { DropboxCredentialsConfig } from './dropbox-credentials.js';
import { mapDropboxError } from './dropbox-errors.js';

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
