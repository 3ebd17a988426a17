import { X509Certificate, createPublicKey, randomBytes, randomUUID, verify, constants } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { readBody, sendJson } from '../kit/http.js';
import { UserSignIn } from './user-sign-in.js';

/** An application registered in the double's directory (Entra ID app registration). */
export interface AppRegistration {
  tenantId: string;
  clientId: string;
  /** Accepted client secret, if the app authenticates with one. */
  clientSecret?: string;
  /** PEM certificate whose key signs client assertions, if the app authenticates with one. */
  certificatePem?: string;
}

interface IssuedToken {
  clientId: string;
  tenantId: string;
  expiresAt: number;
  /** Issued for a signed-in user (delegated), so `/me` works; app-only tokens are refused there. */
  delegated: boolean;
}

/** Options of {@link IdentityDouble.issue}. */
export interface IssueOptions {
  clientId?: string;
  tenantId?: string;
  lifetimeSeconds?: number;
  /** A user's token (delegated) rather than an application's. */
  delegated?: boolean;
}

/**
 * Writes an identity-platform error reply: the OAuth 2.0 form (`error`, `error_description`) with
 * the platform's `timestamp`, `trace_id` and `correlation_id`, as its token endpoint answers every
 * failure, throttling (429 with `Retry-After`) included.
 */
export function sendIdentityError(res: ServerResponse, status: number, error: string, description: string, headers?: Record<string, string>): void {
  sendJson(
    res,
    status,
    { error, error_description: description, timestamp: new Date().toISOString(), trace_id: randomUUID(), correlation_id: randomUUID() },
    headers,
  );
}

/**
 * The Microsoft identity platform's v2.0 endpoints that MSAL's client-credentials grant uses:
 * OpenID discovery metadata and the token endpoint (client secret or signed client assertion).
 * Also the access-token ledger the Graph routes check.
 */
export class IdentityDouble {
  private readonly apps = new Map<string, AppRegistration>();
  private readonly tokens = new Map<string, IssuedToken>();
  /** Lifetime of issued access tokens, in seconds (Entra's default is about an hour). */
  tokenLifetimeSeconds = 3600;
  /** Token requests answered successfully. */
  tokensIssued = 0;

  /** A user's interactive sign-in (authorisation code with PKCE, refresh tokens) for public clients. */
  readonly userSignIn: UserSignIn;

  constructor(private readonly baseUrl: () => string) {
    this.userSignIn = new UserSignIn(
      {
        issueDelegated: (clientId, tenantId) => this.issue({ clientId, tenantId, delegated: true }),
        lifetimeSeconds: () => this.tokenLifetimeSeconds,
        baseUrl: () => this.baseUrl(),
      },
      (tenant, clientId) => this.apps.has(`${tenant}/${clientId}`),
    );
  }

  /** Registers an application that may obtain tokens. */
  register(app: AppRegistration): void {
    this.apps.set(`${app.tenantId}/${app.clientId}`, app);
  }

  /** Issues a token directly (for tests that bypass MSAL). */
  issue(options: IssueOptions = {}): string {
    const token = `eyJ0eXAiOiJKV1QifQ.${randomBytes(24).toString('base64url')}.sig`;
    this.tokens.set(token, {
      clientId: options.clientId ?? 'test-client',
      tenantId: options.tenantId ?? 'test-tenant',
      expiresAt: Date.now() + (options.lifetimeSeconds ?? this.tokenLifetimeSeconds) * 1000,
      delegated: options.delegated ?? false,
    });
    return token;
  }

  /** Makes every token issued so far expired, as if an hour had passed. */
  expireAll(): void {
    for (const t of this.tokens.values()) t.expiresAt = Date.now() - 1;
  }

  /** `valid`, `delegated` (valid, for a user), `expired` or `invalid` for an `Authorization` header value. */
  check(authorization: string | undefined): 'valid' | 'delegated' | 'expired' | 'invalid' {
    const m = /^Bearer (.+)$/.exec(authorization ?? '');
    const t = m ? this.tokens.get(m[1]!) : undefined;
    if (!t) return 'invalid';
    if (t.expiresAt <= Date.now()) return 'expired';
    return t.delegated ? 'delegated' : 'valid';
  }

  /** `GET /{tenant}/v2.0/.well-known/openid-configuration` */
  openIdConfiguration(res: ServerResponse, tenant: string): void {
    const base = `${this.baseUrl()}/${tenant}`;
    sendJson(res, 200, {
      token_endpoint: `${base}/oauth2/v2.0/token`,
      authorization_endpoint: `${base}/oauth2/v2.0/authorize`,
      end_session_endpoint: `${base}/oauth2/v2.0/logout`,
      jwks_uri: `${this.baseUrl()}/${tenant}/discovery/v2.0/keys`,
      issuer: `${this.baseUrl()}/${tenant}/v2.0`,
      response_types_supported: ['code', 'id_token', 'code id_token', 'id_token token'],
      token_endpoint_auth_methods_supported: ['client_secret_post', 'private_key_jwt', 'client_secret_basic'],
    });
  }

  /** `POST /{tenant}/oauth2/v2.0/token` with the client-credentials grant. */
  async token(req: IncomingMessage, res: ServerResponse, tenant: string): Promise<void> {
    const form = new URLSearchParams((await readBody(req, 1024 * 1024)).toString('utf8'));
    const fail = (status: number, error: string, code: number, description: string): void =>
      sendJson(res, status, {
        error,
        error_description: `AADSTS${code}: ${description}`,
        error_codes: [code],
        timestamp: new Date().toISOString(),
      });
    if (this.userSignIn.token(form, res, tenant, fail)) return;
    if (form.get('grant_type') !== 'client_credentials') {
      return fail(400, 'unsupported_grant_type', 70003, 'The app requested an unsupported grant type.');
    }
    const clientId = form.get('client_id') ?? '';
    const app = this.apps.get(`${tenant}/${clientId}`);
    if (!app) return fail(400, 'unauthorized_client', 700016, `Application with identifier '${clientId}' was not found in the directory '${tenant}'.`);
    const scope = form.get('scope') ?? '';
    if (!scope.split(' ').some((s) => s.endsWith('/.default'))) {
      return fail(400, 'invalid_scope', 1002012, 'The provided value for scope is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier.');
    }
    const secret = form.get('client_secret');
    const assertion = form.get('client_assertion');
    if (secret !== null) {
      if (secret !== app.clientSecret) return fail(401, 'invalid_client', 7000215, 'Invalid client secret provided.');
    } else if (assertion !== null) {
      const why = this.checkAssertion(app, assertion, form.get('client_assertion_type'), `${this.baseUrl()}/${tenant}/oauth2/v2.0/token`);
      if (why) return fail(401, 'invalid_client', 700027, `Client assertion failed signature validation. ${why}`);
    } else {
      return fail(401, 'invalid_client', 7000218, "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.");
    }
    this.tokensIssued++;
    const token = this.issue({ clientId, tenantId: tenant });
    sendJson(res, 200, {
      token_type: 'Bearer',
      expires_in: this.tokenLifetimeSeconds,
      ext_expires_in: this.tokenLifetimeSeconds,
      access_token: token,
    });
  }

  /** Checks a signed client assertion (RFC 7523); returns why it is refused, or undefined. */
  private checkAssertion(app: AppRegistration, assertion: string, type: string | null, audience: string): string | undefined {
    if (type !== 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer') return 'Unexpected client_assertion_type.';
    if (!app.certificatePem) return 'No certificate is registered for the application.';
    const parts = assertion.split('.');
    if (parts.length !== 3) return 'Malformed assertion.';
    const [h, p, s] = parts as [string, string, string];
    const header = JSON.parse(Buffer.from(h, 'base64url').toString('utf8')) as Record<string, string>;
    const payload = JSON.parse(Buffer.from(p, 'base64url').toString('utf8')) as Record<string, unknown>;
    const cert = new X509Certificate(app.certificatePem);
    const key = createPublicKey(cert.publicKey.export({ type: 'spki', format: 'pem' }));
    const data = Buffer.from(`${h}.${p}`);
    const signature = Buffer.from(s, 'base64url');
    let ok: boolean;
    if (header['alg'] === 'PS256') {
      ok = verify('sha256', data, { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_DIGEST }, signature);
    } else if (header['alg'] === 'RS256') {
      ok = verify('sha256', data, key, signature);
    } else return `Unsupported alg ${header['alg']}.`;
    if (!ok) return 'Bad signature.';
    const thumbprint = Buffer.from(cert.fingerprint256.replace(/:/g, ''), 'hex').toString('base64url');
    if (header['x5t#S256'] !== undefined && header['x5t#S256'] !== thumbprint) return 'Unknown certificate thumbprint.';
    if (payload['aud'] !== audience) return `Wrong audience ${String(payload['aud'])}.`;
    if (payload['iss'] !== app.clientId || payload['sub'] !== app.clientId) return 'Wrong issuer or subject.';
    if (typeof payload['exp'] !== 'number' || payload['exp'] * 1000 < Date.now()) return 'Assertion expired.';
    return undefined;
  }
}
