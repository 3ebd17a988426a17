import * as oauth from 'openid-client';
import { AuthError, ConfigError, TransientError, Type, type Logger, type Static } from '@filing-sync/core';
import type { AuthorizationStart } from './interactive-provider.js';
import { RefreshRefused, TokenSetProvider, type TokenSet } from './token-set-provider.js';
import type { TokenStore } from './token-vault.js';

/**
 * The config section of a cloud signed in to with a plain OAuth 2 authorisation-code flow
 * (`credentials.box-user`, `credentials.egnyte-user`, `credentials.projectwise-user`).
 * @public
 */
export const OAuthUserCredentialsSchema = Type.Object(
  {
    clientId: Type.String({ minLength: 1, description: 'Client id of the app registered with the service for this desktop program.' }),
    clientSecret: Type.Optional(
      Type.String({ minLength: 1, 'x-secret': true, description: 'Client secret, for services that require one even with PKCE (Box, Egnyte).' }),
    ),
    domain: Type.Optional(Type.String({ minLength: 1, description: 'Egnyte: the domain, as in https://DOMAIN.egnyte.com.', examples: ['acme'] })),
    scopes: Type.Optional(Type.Array(Type.String({ minLength: 1 }), { description: 'Scopes to ask for (the service default when unset).' })),
    authorizationEndpoint: Type.Optional(Type.String({ format: 'uri', description: 'Override of the authorisation endpoint (another region, or a test double).' })),
    tokenEndpoint: Type.Optional(Type.String({ format: 'uri', description: 'Override of the token endpoint.' })),
    userInfoUrl: Type.Optional(Type.String({ format: 'uri', description: 'Override of the URL that names the signed-in user.' })),
  },
  { additionalProperties: false },
);

/** The section as written. @public */
export type OAuthUserCredentials = Static<typeof OAuthUserCredentialsSchema>;

/** What differs between the services that use {@link OAuthCodeProvider}. @public */
export interface OAuthService {
  /** Config section name, e.g. `box-user`. */
  name: string;
  label: string;
  /** Credential resources it serves (as the sinks ask for them). */
  resources: readonly string[];
  defaults(config: OAuthUserCredentials): { authorizationEndpoint: string; tokenEndpoint: string; userInfoUrl?: string; scopes: readonly string[] };
  /** Reads who signed in from the user-info reply. */
  userOf(body: Record<string, unknown>): string | undefined;
  /**
   * Token replies that do not follow RFC 6749 are made to (Egnyte sends `expires_in: -1` for tokens
   * that never expire); `neverExpires` then marks the token so.
   */
  fixTokenReply?(body: Record<string, unknown>): { body: Record<string, unknown>; neverExpires: boolean };
  /** Extra checks of the section (e.g. Egnyte's domain); returns problems. */
  check?(config: OAuthUserCredentials): { key: string; expected: string }[];
}

/**
 * Interactive credentials through `openid-client`'s authorisation-code grant with PKCE (S256)
 * and its refresh-token grant: Box (whose refresh tokens are single-use), Egnyte, ProjectWise
 * (Bentley IMS).
 * @public
 */
export class OAuthCodeProvider extends TokenSetProvider {
  readonly name: string;
  readonly label: string;
  readonly resources: readonly string[];
  private readonly endpoints: ReturnType<OAuthService['defaults']>;
  private readonly client: oauth.Configuration;
  /** Set by the token reply fix-up of the last token request. */
  private lastNeverExpires = false;

  constructor(
    private readonly service: OAuthService,
    private readonly config: OAuthUserCredentials,
    vault: TokenStore,
    logger: Logger,
  ) {
    super(vault, logger);
    const issues = [...(service.check?.(config) ?? [])];
    if (issues.length) throw new ConfigError(issues.map((i) => ({ key: `credentials.${service.name}.${i.key}`, expected: i.expected })));
    this.name = service.name;
    this.label = service.label;
    this.resources = service.resources;
    const d = service.defaults(config);
    this.endpoints = {
      authorizationEndpoint: config.authorizationEndpoint ?? d.authorizationEndpoint,
      tokenEndpoint: config.tokenEndpoint ?? d.tokenEndpoint,
      ...(config.userInfoUrl ?? d.userInfoUrl ? { userInfoUrl: (config.userInfoUrl ?? d.userInfoUrl)! } : {}),
      scopes: config.scopes ?? d.scopes,
    };
    const issuer = new URL(this.endpoints.tokenEndpoint).origin;
    this.client = new oauth.Configuration(
      { issuer, authorization_endpoint: this.endpoints.authorizationEndpoint, token_endpoint: this.endpoints.tokenEndpoint },
      config.clientId,
      undefined,
      config.clientSecret ? oauth.ClientSecretPost(config.clientSecret) : oauth.None(),
    );
    // Plain HTTP only to this machine's loopback (a test double or local proxy); never across a network.
    if (new URL(this.endpoints.tokenEndpoint).protocol === 'http:' && ['127.0.0.1', 'localhost', '[::1]'].includes(new URL(this.endpoints.tokenEndpoint).hostname)) {
      oauth.allowInsecureRequests(this.client);
    }
    if (service.fixTokenReply) {
      const fix = service.fixTokenReply;
      const tokenEndpoint = this.endpoints.tokenEndpoint;
      this.client[oauth.customFetch] = async (url, options) => {
        const res = await fetch(url, options as RequestInit);
        if (url !== tokenEndpoint || !res.ok) return res;
        const fixed = fix((await res.json()) as Record<string, unknown>);
        this.lastNeverExpires = fixed.neverExpires;
        return new Response(JSON.stringify(fixed.body), { status: res.status, headers: res.headers });
      };
    }
  }

  async startSignIn(redirectUri: string, state: string): Promise<AuthorizationStart> {
    const codeVerifier = oauth.randomPKCECodeVerifier();
    const url = oauth.buildAuthorizationUrl(this.client, {
      redirect_uri: redirectUri,
      response_type: 'code',
      ...(this.endpoints.scopes.length ? { scope: this.endpoints.scopes.join(' ') } : {}),
      state,
      code_challenge: await oauth.calculatePKCECodeChallenge(codeVerifier),
      code_challenge_method: 'S256',
    });
    return { url: url.href, codeVerifier };
  }

  protected async redeem(callback: URL, codeVerifier: string, _redirectUri: string, state: string): Promise<TokenSet> {
    let r;
    try {
      r = await oauth.authorizationCodeGrant(this.client, callback, { pkceCodeVerifier: codeVerifier, expectedState: state });
    } catch (err) {
      throw classify(err, this.label, 'sign-in');
    }
    const tokens = toTokenSet(r, this.lastNeverExpires);
    const user = await this.whoAmI(tokens.accessToken);
    return { ...tokens, ...(user ? { user } : {}) };
  }

  protected async refresh(refreshToken: string): Promise<TokenSet> {
    try {
      const r = await oauth.refreshTokenGrant(this.client, refreshToken);
      return toTokenSet(r, this.lastNeverExpires);
    } catch (err) {
      const e = classify(err, this.label, 'refresh');
      if (e instanceof AuthError) throw new RefreshRefused(e.message);
      throw e;
    }
  }

  private async whoAmI(accessToken: string): Promise<string | undefined> {
    if (!this.endpoints.userInfoUrl) return undefined;
    try {
      const res = await fetch(this.endpoints.userInfoUrl, { headers: { authorization: `Bearer ${accessToken}` }, signal: AbortSignal.timeout(15_000) });
      if (!res.ok) return undefined;
      return this.service.userOf((await res.json()) as Record<string, unknown>);
    } catch (err) {
      this.logger.debug({ err: (err as Error).message }, 'could not read who signed in');
      return undefined;
    }
  }
}

function toTokenSet(r: oauth.TokenEndpointResponse, neverExpires: boolean): TokenSet {
  return {
    accessToken: r.access_token,
    ...(r.refresh_token ? { refreshToken: r.refresh_token } : {}),
    expiresAt: neverExpires ? null : Date.now() + (r.expires_in ?? 3600) * 1000,
  };
}

/** Refusals (`invalid_grant`, `invalid_client`, 4xx) are AuthError; the rest is passing. */
function classify(err: unknown, label: string, what: string): Error {
  if (err instanceof oauth.ResponseBodyError) {
    return new AuthError(`${label} refused the ${what}: ${err.error}${err.error_description ? ` (${err.error_description})` : ''}`, {
      cause: err,
      action: `Sign in to ${label} again from the Accounts page.`,
    });
  }
  const status = (err as { status?: number }).status;
  if (status !== undefined && status >= 400 && status < 500) {
    return new AuthError(`${label} refused the ${what} (HTTP ${status}).`, { cause: err, action: `Sign in to ${label} again from the Accounts page.` });
  }
  if (err instanceof oauth.AuthorizationResponseError) {
    return new AuthError(`${label} did not grant access: ${err.error}${err.error_description ? ` (${err.error_description})` : ''}`, { cause: err });
  }
  return new TransientError(`${label} could not be reached for the ${what}: ${(err as Error).message}`, { cause: err });
}

/** Box: authorisation at account.box.com, single-use refresh tokens. @public */
export const BOX_SIGN_IN: OAuthService = {
  name: 'box-user',
  label: 'Box',
  resources: ['box'],
  defaults: () => ({
    authorizationEndpoint: 'https://account.box.com/api/oauth2/authorize',
    tokenEndpoint: 'https://api.box.com/oauth2/token',
    userInfoUrl: 'https://api.box.com/2.0/users/me',
    scopes: [],
  }),
  userOf: (b) => str(b['login']) ?? str(b['name']),
};

/** Egnyte: both endpoints are `/puboauth/token` on the customer's domain. @public */
export const EGNYTE_SIGN_IN: OAuthService = {
  name: 'egnyte-user',
  label: 'Egnyte',
  resources: ['egnyte'],
  defaults: (c) => {
    const base = `https://${c.domain ?? 'domain'}.egnyte.com`;
    return { authorizationEndpoint: `${base}/puboauth/token`, tokenEndpoint: `${base}/puboauth/token`, userInfoUrl: `${base}/pubapi/v1/userinfo`, scopes: ['Egnyte.filesystem'] };
  },
  userOf: (b) => str(b['username']) ?? str(b['email']),
  fixTokenReply: (body) => {
    const expiresIn = body['expires_in'];
    if (typeof expiresIn === 'number' && expiresIn <= 0) {
      const { expires_in: _dropped, ...rest } = body;
      return { body: rest, neverExpires: true };
    }
    return { body, neverExpires: false };
  },
  check: (c) => (c.domain || (c.authorizationEndpoint && c.tokenEndpoint) ? [] : [{ key: 'domain', expected: 'the Egnyte domain, as in https://DOMAIN.egnyte.com' }]),
};

/** ProjectWise: Bentley's identity service (OpenID Connect). @public */
export const PROJECTWISE_SIGN_IN: OAuthService = {
  name: 'projectwise-user',
  label: 'ProjectWise',
  resources: ['projectwise'],
  defaults: () => ({
    authorizationEndpoint: 'https://ims.bentley.com/connect/authorize',
    tokenEndpoint: 'https://ims.bentley.com/connect/token',
    userInfoUrl: 'https://ims.bentley.com/connect/userinfo',
    scopes: ['openid', 'email', 'profile', 'offline_access', 'projectwise-share'],
  }),
  userOf: (b) => str(b['email']) ?? str(b['name']),
};

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v ? v : undefined;
}
