import { readFileSync } from 'node:fs';
import path from 'node:path';
import { BoxCcgAuth, BoxJwtAuth, BoxOAuth, CcgConfig, JwtConfig, OAuthConfig } from 'box-node-sdk';
import type { Authentication, NetworkSession } from 'box-node-sdk/networking';
import {
  AuthError,
  ConfigError,
  type ConfigIssue,
  type Credential,
  type CredentialProvider,
  type CredentialProviderFactory,
  type FilingSyncError,
  type Static,
  Type,
} from '@filing-sync/core';
import { boxErrorCode, mapBoxError } from './box-errors.js';
import { BoxEndpointsSchema, checkUrls, endpoints } from './box-config.js';
import { type BoxTransportOptions, boxNetworkSession } from './box-network.js';
import { FileTokenStorage } from './box-token-file.js';

const secret = (description: string) => Type.String({ minLength: 1, 'x-secret': true, description });

/**
 * Config of the `credentials.box` section: one of three ways to get Box tokens.
 * - `ccg`: client credentials grant, for the service host (a Box Platform app with app access,
 *   authorised by the enterprise admin), as the enterprise's service account or as one user;
 * - `oauth`: a refresh token from the user's sign-in, rotated on every refresh and kept in a token file;
 * - `jwt`: a Box app config file (JWT with a key pair).
 * @public
 */
export const BoxCredentialsConfigSchema = Type.Union([
  Type.Object({
    method: Type.Literal('ccg'),
    clientId: Type.String({ minLength: 1, description: 'Client id of the Box app.' }),
    clientSecret: secret('Client secret of the Box app.'),
    enterpriseId: Type.Optional(Type.String({ minLength: 1, description: 'Enterprise id: act as the app\'s service account.' })),
    userId: Type.Optional(Type.String({ minLength: 1, description: 'User id: act as this managed user instead.' })),
    ...BoxEndpointsSchema,
  }, { additionalProperties: false }),
  Type.Object({
    method: Type.Literal('oauth'),
    clientId: Type.String({ minLength: 1, description: 'Client id of the Box app.' }),
    clientSecret: secret('Client secret of the Box app (Box OAuth has no PKCE public clients).'),
    refreshToken: Type.Optional(secret('Refresh token from the sign-in. Box spends it on first use; the new ones are kept in tokenFile. Leave it out when a sign-in writes tokenFile itself.')),
    tokenFile: Type.Optional(Type.String({ description: 'Where rotated tokens are kept (default: box-oauth-tokens.json in the state folder).' })),
    ...BoxEndpointsSchema,
  }, { additionalProperties: false }),
  Type.Object({
    method: Type.Literal('jwt'),
    configFile: Type.Optional(Type.String({ description: 'Path of the app\'s JSON config downloaded from the Box developer console.' })),
    configJson: Type.Optional(secret('The same JSON inline, instead of configFile.')),
    userId: Type.Optional(Type.String({ minLength: 1, description: 'User id to act as instead of the service account.' })),
    ...BoxEndpointsSchema,
  }, { additionalProperties: false }),
], { description: 'How filing-sync gets Box tokens.' });

/** See {@link BoxCredentialsConfigSchema}. */
export type BoxCredentialsConfig = Static<typeof BoxCredentialsConfigSchema>;

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
 * Makes {@link BoxTokenProvider}s from the `credentials.box` section. Does no I/O beyond reading
 * a JWT config file; throws {@link ConfigError} listing every bad key. `transport` tunes the
 * SDK's HTTPS agent (e.g. a CA for an API double).
 * @public
 */
export function createBoxCredentialProviderFactory(transport: BoxTransportOptions = {}): CredentialProviderFactory<BoxCredentialsConfig> {
  return {
  name: 'box',
  resources: ['box'],
  configSchema: BoxCredentialsConfigSchema,
  create(config, context) {
    const key = 'credentials.box';
    const issues: ConfigIssue[] = [];
    const need = (field: string, value: unknown, expected: string): void => {
      if (typeof value !== 'string' || value === '') issues.push({ key: `${key}.${field}`, expected });
    };
    const method = (config as { method?: unknown })?.method;
    if (method !== 'ccg' && method !== 'oauth' && method !== 'jwt') {
      throw new ConfigError([{ key: `${key}.method`, expected: '"ccg", "oauth" or "jwt"', found: JSON.stringify(method) }]);
    }
    issues.push(...checkUrls(config, key));
    const session = boxNetworkSession(endpoints(config), transport);
    if (config.method === 'ccg') {
      need('clientId', config.clientId, 'the client id of the Box app');
      need('clientSecret', config.clientSecret, 'the client secret of the Box app');
      if (!config.enterpriseId === !config.userId) issues.push({ key: `${key}.enterpriseId`, expected: 'exactly one of enterpriseId or userId' });
      if (issues.length) throw new ConfigError(issues);
      const auth = new BoxCcgAuth({ config: new CcgConfig({ clientId: config.clientId, clientSecret: config.clientSecret, ...(config.userId ? { userId: config.userId } : { enterpriseId: config.enterpriseId! }) }) });
      return new BoxTokenProvider(auth, session);
    }
    if (config.method === 'oauth') {
      need('clientId', config.clientId, 'the client id of the Box app');
      need('clientSecret', config.clientSecret, 'the client secret of the Box app');
      if (config.refreshToken !== undefined) need('refreshToken', config.refreshToken, 'the refresh token from the Box sign-in (or leave it out when the sign-in keeps tokenFile)');
      if (issues.length) throw new ConfigError(issues);
      const storage = new FileTokenStorage(config.tokenFile ?? path.join(context.stateDir, 'box-oauth-tokens.json'), config.refreshToken || undefined);
      const auth = new BoxOAuth({ config: new OAuthConfig({ clientId: config.clientId, clientSecret: config.clientSecret, tokenStorage: storage }) });
      return new BoxTokenProvider(auth, session, storage);
    }
    if (!config.configFile === !config.configJson) issues.push({ key: `${key}.configFile`, expected: 'exactly one of configFile or configJson' });
    if (issues.length) throw new ConfigError(issues);
    let json: string;
    try {
      json = config.configJson ?? readFileSync(config.configFile!, 'utf8');
    } catch (err) {
      throw new ConfigError([{ key: `${key}.configFile`, expected: 'a readable Box app config file', found: `${config.configFile} (${(err as Error).message})` }]);
    }
    let jwtConfig: JwtConfig;
    try {
      jwtConfig = JwtConfig.fromConfigJsonString(json);
    } catch (err) {
      throw new ConfigError([{ key: config.configJson ? `${key}.configJson` : `${key}.configFile`, expected: 'a Box app config (boxAppSettings with appAuth keys, enterpriseID)', found: (err as Error).message }]);
    }
    let auth = new BoxJwtAuth({ config: jwtConfig });
    if (config.userId) auth = auth.withUserSubject(config.userId);
    return new BoxTokenProvider(auth, session);
  },
};
}

/** The Box credential provider factory with the SDK's default transport. */
export const boxCredentialProviderFactory: CredentialProviderFactory<BoxCredentialsConfig> = createBoxCredentialProviderFactory();
