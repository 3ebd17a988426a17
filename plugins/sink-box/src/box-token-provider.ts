import { BoxCcgAuth, BoxJwtAuth, BoxOAuth, CcgConfig, JwtConfig, OAuthConfig } from 'box-node-sdk';
import type { Authentication, NetworkSession } from 'box-node-sdk/networking';
import { AuthError, ConfigError, type Credential, type CredentialProvider, type FilingSyncError } from '@filing-sync/core';
import { boxErrorCode, mapBoxError } from './box-errors.js';
import type { BoxAuthPlan } from './box-credentials.js';
import { type BoxTransportOptions, boxNetworkSession } from './box-network.js';
import { FileTokenStorage } from './box-token-file.js';

/** Tokens are renewed this long before they expire. */
const EXPIRY_MARGIN_MS = 60_000;

/**
 * Serves `box` credentials through one of box-node-sdk's auth classes (CCG, OAuth, JWT). The SDK
 * classes do not track expiry, so this provider does: a token is renewed a minute before it
 * expires or after the service refused it (`invalidate`). Concurrent requests share one renewal.
 * Never logs a token.
 * @public
 */
export class BoxTokenProvider implements CredentialProvider {
  readonly resources = ['box'] as const;
  private current: { accessToken: string; expiresAt: Date } | undefined;
  private renewing: Promise<{ accessToken: string; expiresAt: Date }> | undefined;
  // The stored access token is tried only until the service refuses one.
  private trustStoredAccessToken = true;

  constructor(
    private readonly auth: Authentication,
    private readonly networkSession: NetworkSession,
    /** For OAuth: the token file (its access token is used while valid; its refresh token renews). */
    private readonly stored?: FileTokenStorage,
  ) {}

  /**
   * A valid access token. Rejects with {@link AuthError} when Box refuses the app's credentials
   * or the refresh token (sign in again), {@link TransientError} when the token endpoint cannot
   * be reached or throttles.
   */
  async get(): Promise<Credential> {
    if (!this.current && this.stored && this.trustStoredAccessToken) {
      const expiresAt = await this.stored.accessTokenExpiresAt();
      const token = await this.stored.get();
      if (expiresAt && token?.accessToken) this.current = { accessToken: token.accessToken, expiresAt };
    }
    if (this.current && this.current.expiresAt.getTime() - EXPIRY_MARGIN_MS > Date.now()) {
      return { type: 'bearer', accessToken: this.current.accessToken, expiresAt: this.current.expiresAt };
    }
    this.renewing ??= this.renew().finally(() => (this.renewing = undefined));
    const fresh = await this.renewing;
    return { type: 'bearer', accessToken: fresh.accessToken, expiresAt: fresh.expiresAt };
  }

  /** Forgets the current token, so the next `get` fetches a new one. Never rejects. */
  invalidate(): void {
    this.current = undefined;
    this.trustStoredAccessToken = false;
  }

  private async renew(): Promise<{ accessToken: string; expiresAt: Date }> {
    if (this.stored && !(await this.stored.get())?.refreshToken) {
      throw new AuthError(`No Box refresh token: none in credentials.box.refreshToken and none in ${this.stored.file}.`, {
        action: 'Sign in to Box (or put a refresh token in credentials.box.refreshToken), then restart.',
      });
    }
    try {
      const token = await this.auth.refreshToken(this.networkSession);
      if (!token.accessToken) throw new AuthError('Box returned no access token.');
      this.current = { accessToken: token.accessToken, expiresAt: new Date(Date.now() + (token.expiresIn ?? 3600) * 1000) };
      return this.current;
    } catch (err) {
      throw tokenError(err);
    }
  }
}

function tokenError(err: unknown): FilingSyncError {
  const c = boxErrorCode(err);
  if (c && (c.status === 400 || c.status === 401)) {
    const body = (err as { responseInfo: { body?: { error?: string; error_description?: string } } }).responseInfo.body;
    return new AuthError(`Box refused the credentials: ${body?.error ?? c.status}${body?.error_description ? ` (${body.error_description})` : ''}`, {
      cause: err,
      action: 'Check credentials.box (client id and secret, enterprise authorisation), or sign in to Box again for a new refresh token.',
    });
  }
  if (err instanceof Error && /refresh token|Access and refresh tokens not available/i.test(err.message) && !c) {
    return new AuthError(`Box credentials unusable: ${err.message}`, { cause: err });
  }
  return mapBoxError(err, 'Box token request');
}

/**
 * The {@link BoxTokenProvider} for a checked `credentials.box` section: the SDK's auth class for
 * its method over a network session to its endpoints. Loaded (with box-node-sdk) on the first
 * credential request. Throws {@link ConfigError} when the SDK refuses the JWT app config.
 * @public
 */
export function boxTokenProvider(plan: BoxAuthPlan, transport: BoxTransportOptions = {}): BoxTokenProvider {
  const session = boxNetworkSession(plan.endpoints, transport);
  if (plan.method === 'ccg') {
    const subject = plan.userId ? { userId: plan.userId } : { enterpriseId: plan.enterpriseId! };
    return new BoxTokenProvider(new BoxCcgAuth({ config: new CcgConfig({ clientId: plan.clientId, clientSecret: plan.clientSecret, ...subject }) }), session);
  }
  if (plan.method === 'oauth') {
    const storage = new FileTokenStorage(plan.tokenFile, plan.refreshToken);
    const auth = new BoxOAuth({ config: new OAuthConfig({ clientId: plan.clientId, clientSecret: plan.clientSecret, tokenStorage: storage }) });
    return new BoxTokenProvider(auth, session, storage);
  }
  let jwtConfig: JwtConfig;
  try {
    jwtConfig = JwtConfig.fromConfigJsonString(plan.json);
  } catch (err) {
    throw new ConfigError([{ key: plan.key, expected: 'a Box app config (boxAppSettings with appAuth keys, enterpriseID)', found: (err as Error).message }]);
  }
  let auth = new BoxJwtAuth({ config: jwtConfig });
  if (plan.userId) auth = auth.withUserSubject(plan.userId);
  return new BoxTokenProvider(auth, session);
}
