import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { sendJson } from '../kit/http.js';

/** The user the double signs in (there is no login page: the authorize endpoint consents at once). */
export interface SignInUser {
  /** Object id (`oid`), also the `uid` of `client_info`. */
  oid: string;
  /** Directory the user belongs to (`tid`), also the `utid` of `client_info`. */
  tenantId: string;
  name: string;
  /** `preferred_username`, the sign-in name MSAL shows as `username`. */
  username: string;
}

interface PendingCode {
  clientId: string;
  redirectUri: string;
  codeChallenge: string;
  scope: string;
  nonce: string | undefined;
  expiresAt: number;
}

/** What {@link UserSignIn.token} needs from the identity double. */
export interface TokenIssuer {
  /** Issues a delegated access token the Graph routes accept. */
  issueDelegated(clientId: string, tenantId: string): string;
  lifetimeSeconds(): number;
  baseUrl(): string;
}

/** A token-endpoint failure, in the identity platform's body form. */
export type FailReply = (status: number, error: string, code: number, description: string) => void;

/**
 * The identity platform's authorisation-code flow for a public client (a desktop app) with PKCE,
 * as documented for the v2.0 endpoints: `GET /{tenant}/oauth2/v2.0/authorize` redirects to the
 * registered loopback `redirect_uri` with `code` and the caller's `state`; the token endpoint
 * redeems the code once, only with the `code_verifier` whose S256 digest is the `code_challenge`
 * (AADSTS501481 otherwise), and answers with an access token, an ID token, `client_info` and a
 * refresh token. Refresh tokens are single-use here: each refresh returns a new one and the old
 * one is refused afterwards (`invalid_grant`), so a client that does not store the rotated token
 * is caught.
 */
export class UserSignIn {
  /** The user every sign-in signs in as. */
  user: SignInUser = { oid: '00000000-0000-0000-0000-0000000d4a4a', tenantId: '11111111-2222-3333-4444-555555555555', name: 'Dana Filer', username: 'dana@contoso.example' };
  /** Authorize requests seen, with their query, in order. */
  readonly authorizeRequests: URLSearchParams[] = [];
  /** Codes redeemed (PKCE verified). */
  codesRedeemed = 0;
  /** Refresh-token grants answered. */
  refreshes = 0;
  private readonly codes = new Map<string, PendingCode>();
  private readonly refreshTokens = new Map<string, { clientId: string; scope: string }>();

  constructor(
    private readonly issuer: TokenIssuer,
    /** Whether a public client with this id is registered in the tenant. */
    private readonly knows: (tenant: string, clientId: string) => boolean,
  ) {}

  /** `GET /{tenant}/oauth2/v2.0/authorize?response_type=code&client_id&redirect_uri&scope&state&code_challenge&code_challenge_method=S256` */
  authorize(query: URLSearchParams, res: ServerResponse, tenant: string): void {
    this.authorizeRequests.push(query);
    const clientId = query.get('client_id') ?? '';
    const redirectUri = query.get('redirect_uri') ?? '';
    // Without a usable redirect URI the platform shows an error page instead of redirecting.
    let redirect: URL;
    try {
      redirect = new URL(redirectUri);
    } catch {
      return sendJson(res, 400, { error: 'invalid_request', error_description: "AADSTS900144: The request body must contain the following parameter: 'redirect_uri'." });
    }
    if (!this.knows(tenant, clientId) && !this.knowsAnywhere(clientId)) {
      return sendJson(res, 400, { error: 'unauthorized_client', error_description: `AADSTS700016: Application with identifier '${clientId}' was not found in the directory '${tenant}'.` });
    }
    if (redirect.protocol !== 'http:' || !['127.0.0.1', 'localhost'].includes(redirect.hostname)) {
      return sendJson(res, 400, { error: 'invalid_request', error_description: 'AADSTS50011: The redirect URI specified in the request does not match the redirect URIs configured for the application.' });
    }
    const back = (params: Record<string, string>): void => {
      for (const [k, v] of Object.entries(params)) redirect.searchParams.set(k, v);
      const state = query.get('state');
      if (state !== null) redirect.searchParams.set('state', state);
      res.writeHead(302, { location: redirect.toString(), 'cache-control': 'no-store' });
      res.end();
    };
    if (query.get('response_type') !== 'code') {
      return back({ error: 'unsupported_response_type', error_description: 'AADSTS700054: response_type must be code for this application.' });
    }
    const challenge = query.get('code_challenge');
    if (!challenge || query.get('code_challenge_method') !== 'S256') {
      return back({ error: 'invalid_request', error_description: 'AADSTS501491: Invalid size of Code_Challenge parameter or code_challenge_method is not S256.' });
    }
    const code = `0.A${randomBytes(32).toString('base64url')}`;
    this.codes.set(code, {
      clientId,
      redirectUri,
      codeChallenge: challenge,
      scope: query.get('scope') ?? '',
      nonce: query.get('nonce') ?? undefined,
      expiresAt: Date.now() + 10 * 60_000,
    });
    back({ code, session_state: randomUUID() });
  }

  /**
   * Handles the `authorization_code` and `refresh_token` grants; returns false for any other
   * grant (the caller handles it).
   */
  token(form: URLSearchParams, res: ServerResponse, tenant: string, fail: FailReply): boolean {
    const grant = form.get('grant_type');
    const clientId = form.get('client_id') ?? '';
    if (grant === 'authorization_code') {
      const code = form.get('code') ?? '';
      const pending = this.codes.get(code);
      // A code is single-use: redeemed or not, it is gone after the first attempt.
      this.codes.delete(code);
      if (!pending || pending.expiresAt < Date.now()) {
        fail(400, 'invalid_grant', 70008, 'The provided authorization code or refresh token has expired due to inactivity.');
        return true;
      }
      if (pending.clientId !== clientId) {
        fail(400, 'invalid_grant', 70002, 'The client does not match the client the code was issued to.');
        return true;
      }
      if ((form.get('redirect_uri') ?? '') !== pending.redirectUri) {
        fail(400, 'invalid_grant', 50011, 'The redirect URI does not match the one the code was issued for.');
        return true;
      }
      const verifier = form.get('code_verifier') ?? '';
      if (createHash('sha256').update(verifier).digest('base64url') !== pending.codeChallenge) {
        fail(400, 'invalid_grant', 501481, 'The Code_Verifier does not match the code_challenge supplied in the authorization request.');
        return true;
      }
      this.codesRedeemed++;
      this.issueTokens(res, tenant, clientId, pending.scope, pending.nonce);
      return true;
    }
    if (grant === 'refresh_token') {
      const token = form.get('refresh_token') ?? '';
      const known = this.refreshTokens.get(token);
      if (!known || known.clientId !== clientId) {
        fail(400, 'invalid_grant', 70000, 'The provided value for the input parameter \'refresh_token\' is not valid.');
        return true;
      }
      this.refreshTokens.delete(token);
      this.refreshes++;
      this.issueTokens(res, tenant, clientId, form.get('scope') ?? known.scope, undefined);
      return true;
    }
    return false;
  }

  /** Makes every refresh token issued so far invalid (as a password change or revocation does). */
  revokeAll(): void {
    this.refreshTokens.clear();
  }

  private knowsAnywhere(clientId: string): boolean {
    return this.knows(this.user.tenantId, clientId);
  }

  private issueTokens(res: ServerResponse, tenant: string, clientId: string, scope: string, nonce: string | undefined): void {
    const u = this.user;
    const now = Math.floor(Date.now() / 1000);
    const lifetime = this.issuer.lifetimeSeconds();
    const refreshToken = `1.A${randomBytes(48).toString('base64url')}`;
    const granted = scope.split(' ').filter((s) => s && !['openid', 'profile', 'offline_access'].includes(s));
    this.refreshTokens.set(refreshToken, { clientId, scope });
    const claims: Record<string, unknown> = {
      aud: clientId,
      iss: `${this.issuer.baseUrl()}/${u.tenantId}/v2.0`,
      iat: now,
      nbf: now,
      exp: now + lifetime,
      name: u.name,
      oid: u.oid,
      preferred_username: u.username,
      sub: createHash('sha256').update(`${u.oid}/${clientId}`).digest('base64url'),
      tid: u.tenantId,
      ver: '2.0',
      ...(nonce ? { nonce } : {}),
    };
    // The double does not sign ID tokens; MSAL reads their claims without checking a signature.
    const idToken = `${b64({ typ: 'JWT', alg: 'RS256', kid: 'double' })}.${b64(claims)}.${randomBytes(32).toString('base64url')}`;
    sendJson(res, 200, {
      token_type: 'Bearer',
      scope: granted.join(' '),
      expires_in: lifetime,
      ext_expires_in: lifetime,
      access_token: this.issuer.issueDelegated(clientId, tenant),
      refresh_token: refreshToken,
      id_token: idToken,
      client_info: b64({ uid: u.oid, utid: u.tenantId }),
    });
  }
}

function b64(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}
