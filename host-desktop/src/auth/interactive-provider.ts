import type { CredentialProvider } from '@filing-sync/core';

/**
 * What the accounts page shows of one cloud's sign-in. Never carries a token.
 * @public
 */
export interface AccountStatus {
  /** Config section under `credentials`, e.g. `microsoft-user`. */
  name: string;
  /** e.g. `Microsoft (OneDrive, SharePoint)`. */
  label: string;
  /** The config section exists, so sign-in can start. */
  configured: boolean;
  signedIn: boolean;
  /** Who is signed in (sign-in name or e-mail). */
  user?: string;
  /** When the current access token expires (it is refreshed before then), ISO 8601. */
  expiresAt?: string;
  /** Why the last refresh failed, when it did (the user must sign in again). */
  problem?: string;
  /** Set up, but signing in is not possible now (no connector runs): why, and what to fix. */
  unavailable?: string;
}

/** The start of a sign-in: where to send the browser, and the PKCE verifier to keep for the way back. @public */
export interface AuthorizationStart {
  url: string;
  /** PKCE code verifier: kept on this machine only, sent with the code to the token endpoint. */
  codeVerifier: string;
}

/**
 * A credential provider for one cloud that the user signs in to in the browser: OAuth 2
 * authorisation code with PKCE (S256) and a loopback redirect. Its tokens live in the user's
 * token vault; every refresh stores the refresh token the service returns (rotation) before
 * the new access token is used.
 * @public
 */
export interface InteractiveCredentialProvider extends CredentialProvider {
  /** Config section name under `credentials`. */
  readonly name: string;
  readonly label: string;
  /**
   * The authorisation URL for a sign-in with `state`, and the PKCE verifier that goes with it.
   * Rejects with {@link ConfigError} when the section lacks what the service needs.
   */
  startSignIn(redirectUri: string, state: string): Promise<AuthorizationStart>;
  /**
   * Redeems the code of the redirect (`callback` is the full URL the browser came back to; its
   * `state` was checked by the caller) and stores the tokens. Rejects with {@link AuthError}
   * when the service refuses the code or verifier, {@link TransientError} when unreachable.
   */
  finishSignIn(callback: URL, codeVerifier: string, redirectUri: string, state: string): Promise<void>;
  /** What the accounts page shows. Never rejects. */
  status(): Promise<AccountStatus>;
  /** Forgets the stored tokens. Never rejects for an account that is not signed in. */
  signOut(): Promise<void>;
}
