import { Dropbox, DropboxAuth, DropboxResponseError } from 'dropbox';
import { AuthError, TransientError, Type, type Logger, type Static } from '@filing-sync/core';
import { dropboxFetch } from '@filing-sync/sink-dropbox';
import type { AuthorizationStart } from './interactive-provider.js';
import { RefreshRefused, TokenSetProvider, type TokenSet } from './token-set-provider.js';
import type { TokenStore } from './token-vault.js';

/**
 * The `credentials.dropbox-user` section: the desktop program's Dropbox app (a PKCE app has no secret).
 * @public
 */
export const DropboxUserCredentialsSchema = Type.Object(
  {
    appKey: Type.String({ minLength: 1, description: 'App key of the Dropbox app registered for this desktop program.' }),
    scopes: Type.Optional(Type.Array(Type.String({ minLength: 1 }), { description: 'Scopes to ask for (the app\'s scopes when unset).' })),
  },
  { additionalProperties: false },
);

/** The section as written. @public */
export type DropboxUserCredentials = Static<typeof DropboxUserCredentialsSchema>;

/**
 * The user's Dropbox sign-in through the Dropbox SDK's PKCE flow (`getAuthenticationUrl` with
 * `usePKCE`, offline access for a refresh token, `getAccessTokenFromCode`), refreshed with the
 * SDK's `refreshAccessToken`.
 * @public
 */
export class DropboxSignIn extends TokenSetProvider {
  readonly name = 'dropbox-user';
  readonly label = 'Dropbox';
  readonly resources = ['dropbox'] as const;

  /**
   * @param fetchImpl - what the SDK sends its requests with. Node's own `fetch` (with a time limit) by default: the
   * SDK's fallback, node-fetch, puts the request's URL in its errors, and a refresh's URL holds the refresh token.
   */
  constructor(
    private readonly config: DropboxUserCredentials,
    vault: TokenStore,
    logger: Logger,
    private readonly fetchImpl: typeof fetch = dropboxFetch(undefined, 'credentials.dropbox-user'),
  ) {
    super(vault, logger);
  }

  async startSignIn(redirectUri: string, state: string): Promise<AuthorizationStart> {
    const auth = new DropboxAuth({ clientId: this.config.appKey, fetch: this.fetchImpl });
    const url = await auth.getAuthenticationUrl(redirectUri, state, 'code', 'offline', this.config.scopes as string[] | undefined, 'none', true);
    return { url: String(url), codeVerifier: auth.getCodeVerifier() };
  }

  protected async redeem(callback: URL, codeVerifier: string, redirectUri: string): Promise<TokenSet> {
    const auth = new DropboxAuth({ clientId: this.config.appKey, fetch: this.fetchImpl });
    auth.setCodeVerifier(codeVerifier);
    let result: { access_token: string; refresh_token?: string; expires_in?: number };
    try {
      result = (await auth.getAccessTokenFromCode(redirectUri, callback.searchParams.get('code') ?? '')).result as typeof result;
    } catch (err) {
      throw classify(err, 'sign-in');
    }
    const tokens: TokenSet = {
      accessToken: result.access_token,
      ...(result.refresh_token ? { refreshToken: result.refresh_token } : {}),
      expiresAt: Date.now() + (result.expires_in ?? 14_400) * 1000,
    };
    try {
      auth.setAccessToken(result.access_token);
      const me = await new Dropbox({ auth, fetch: this.fetchImpl }).usersGetCurrentAccount();
      return { ...tokens, user: me.result.email || me.result.name.display_name };
    } catch {
      return tokens;
    }
  }

  protected async refresh(refreshToken: string): Promise<TokenSet> {
    const auth = new DropboxAuth({ clientId: this.config.appKey, refreshToken, fetch: this.fetchImpl });
    try {
      await (auth.refreshAccessToken() as unknown as Promise<void>);
    } catch (err) {
      const e = classify(err, 'refresh');
      if (e instanceof AuthError) throw new RefreshRefused(e.message);
      throw e;
    }
    // Dropbox refresh tokens are long-lived and not rotated: none comes back, the old one stays.
    return { accessToken: auth.getAccessToken(), expiresAt: auth.getAccessTokenExpiresAt()?.getTime() ?? Date.now() + 14_400_000 };
  }
}

function classify(err: unknown, what: string): Error {
  if (err instanceof DropboxResponseError && (err.status === 400 || err.status === 401)) {
    const body = err.error as { error?: string; error_description?: string } | undefined;
    return new AuthError(`Dropbox refused the ${what}: ${body?.error ?? err.status}${body?.error_description ? ` (${body.error_description})` : ''}`, {
      cause: err,
      action: 'Sign in to Dropbox again from the Accounts page.',
    });
  }
  // Throttled or failing on Dropbox's side: passing, with the status.
  if (err instanceof DropboxResponseError) return new TransientError(`Dropbox could not do the ${what} now (HTTP ${err.status}).`);
  // Only the error's code: a network error's message may carry the request's URL, whose query holds the refresh
  // token or the sign-in code. The error itself is not kept as the cause for the same reason.
  return new TransientError(`Dropbox could not be reached for the ${what} (${networkCode(err)}).`);
}

/** `ENOTFOUND`, `ECONNREFUSED`, `TimeoutError`...: what failed, from an error or its cause, without its message. */
function networkCode(err: unknown): string {
  for (let e = err as { code?: unknown; name?: unknown; cause?: unknown } | undefined, depth = 0; e && depth < 4; e = e.cause as typeof e, depth++) {
    if (typeof e.code === 'string' && /^[A-Z0-9_]+$/.test(e.code)) return e.code;
    if (typeof e.name === 'string' && e.name !== 'Error' && e.name !== 'TypeError' && /^[A-Za-z]+$/.test(e.name)) return e.name;
  }
  return 'network error';
}
