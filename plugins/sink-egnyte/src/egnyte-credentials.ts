import { rmSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  AuthError,
  ConfigError,
  type ConfigIssue,
  type Credential,
  type CredentialProvider,
  type CredentialProviderFactory,
  type CredentialRequest,
  type Logger,
  Type,
  type Static,
  fromHttpClientError,
  type HttpClientErrorLike,
} from '@filing-sync/core';

/**
 * The `credentials.egnyte` config section. One of three ways to a bearer token:
 * `accessToken` (obtained elsewhere, e.g. by the desktop host's sign-in); `authorizationCode` with
 * `clientId`, `clientSecret` and `redirectUri` (OAuth authorisation code, exchanged once; the token
 * is kept in the state folder, since Egnyte tokens do not expire); or `clientId`, `username` and
 * `password` (OAuth password grant, for an internal application's key).
 * @public
 */
export const EgnyteCredentialsConfigSchema = Type.Object(
  {
    domain: Type.Optional(
      Type.String({ description: 'The Egnyte domain these credentials are for (acme for acme.egnyte.com); any when omitted.', examples: ['acme'] }),
    ),
    accessToken: Type.Optional(Type.String({ minLength: 1, 'x-secret': true, description: 'A bearer token. Egnyte tokens do not expire.' })),
    clientId: Type.Optional(Type.String({ minLength: 1, description: 'API key of the application.' })),
    clientSecret: Type.Optional(Type.String({ minLength: 1, 'x-secret': true, description: 'Its secret, when the key has one.' })),
    authorizationCode: Type.Optional(
      Type.String({ minLength: 1, 'x-secret': true, description: 'A one-time code from the authorisation-code sign-in, exchanged for a token on first use.' }),
    ),
    redirectUri: Type.Optional(Type.String({ minLength: 1, description: 'The redirect URI the code was issued for.' })),
    username: Type.Optional(Type.String({ minLength: 1, description: 'Egnyte user for the password grant.' })),
    password: Type.Optional(Type.String({ minLength: 1, 'x-secret': true, description: "That user's password." })),
    baseUrl: Type.Optional(
      Type.String({ default: 'https://{domain}.egnyte.com', pattern: '^https?://', description: 'Token endpoint root; `{domain}` is replaced.' }),
    ),
  },
  { additionalProperties: false, description: 'Egnyte credentials: accessToken; or clientId + authorizationCode + redirectUri; or clientId + username + password.' },
);

/** The `credentials.egnyte` config section. */
export type EgnyteCredentialsConfig = Static<typeof EgnyteCredentialsConfigSchema>;

type Grant = 'token' | 'authorization_code' | 'password';

/**
 * Bearer tokens for Egnyte: a configured token, or one from `POST /puboauth/token` (authorisation
 * code or password grant), kept until the API refuses it.
 */
class EgnyteCredentialProvider implements CredentialProvider {
  readonly resources = ['egnyte'] as const;
  private readonly tokens = new Map<string, Promise<string>>();

  constructor(
    private readonly config: EgnyteCredentialsConfig,
    private readonly grant: Grant,
    private readonly stateDir: string,
    private readonly logger: Logger,
  ) {}

  async get(request: CredentialRequest, signal?: AbortSignal): Promise<Credential> {
    const domain = request.account?.toLowerCase() ?? this.config.domain?.toLowerCase();
    if (!domain) throw new AuthError('Egnyte credentials were asked for without a domain.');
    if (this.config.domain && this.config.domain.toLowerCase() !== domain) {
      throw new AuthError(`No Egnyte credentials are configured for domain "${domain}" (only for "${this.config.domain}").`, {
        action: 'Add credentials for that domain, or correct the target URI.',
      });
    }
    if (this.grant === 'token') return { type: 'bearer', accessToken: this.config.accessToken!, account: domain };
    let token = this.tokens.get(domain);
    if (!token) {
      token = this.obtain(domain, signal);
      this.tokens.set(domain, token);
      token.catch(() => this.tokens.delete(domain));
    }
    return { type: 'bearer', accessToken: await token, account: domain };
  }

  /** Drops the refused token (and its saved copy), so the next `get` obtains a new one. */
  invalidate(request: CredentialRequest): void {
    const domain = request.account?.toLowerCase() ?? this.config.domain?.toLowerCase();
    if (!domain) return;
    this.tokens.delete(domain);
    // At once, so that the next `get` cannot read the refused token back.
    if (this.grant === 'authorization_code') {
      try {
        rmSync(this.tokenFile(domain), { force: true });
      } catch (err) {
        this.logger.warn({ domain, err: (err as Error).message }, 'Could not remove the saved Egnyte token');
      }
    }
  }

  private tokenFile(domain: string): string {
    return join(this.stateDir, `egnyte-${domain}.token.json`);
  }

  private async obtain(domain: string, signal?: AbortSignal): Promise<string> {
    if (this.grant === 'password') {
      return this.tokenRequest(domain, { grant_type: 'password', username: this.config.username!, password: this.config.password! }, signal);
    }
    // An authorisation code works once; the token it gave is kept, as Egnyte tokens do not expire.
    const saved = await readFile(this.tokenFile(domain), 'utf8').then((t) => (JSON.parse(t) as { access_token?: string }).access_token, () => undefined);
    if (saved) return saved;
    const token = await this.tokenRequest(
      domain,
      { grant_type: 'authorization_code', code: this.config.authorizationCode!, redirect_uri: this.config.redirectUri! },
      signal,
    );
    await mkdir(this.stateDir, { recursive: true });
    await writeFile(this.tokenFile(domain), JSON.stringify({ access_token: token }), { mode: 0o600 });
    return token;
  }

  private async tokenRequest(domain: string, grant: Record<string, string>, signal?: AbortSignal): Promise<string> {
    const base = (this.config.baseUrl ?? 'https://{domain}.egnyte.com').replaceAll('{domain}', domain).replace(/\/+$/, '');
    const form = new URLSearchParams({
      ...grant,
      client_id: this.config.clientId!,
      ...(this.config.clientSecret ? { client_secret: this.config.clientSecret } : {}),
    });
    const kind = grant.grant_type === 'password' ? `password grant for "${this.config.username}"` : 'authorisation code';
    // Loaded here, not at start: a host that offers Egnyte credentials may never use them.
    const { default: axios } = await import('axios');
    try {
      const res = await axios.post<{ access_token?: string }>(`${base}/puboauth/token`, form.toString(), {
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        signal,
        timeout: 60_000,
      });
      if (!res.data?.access_token) throw new AuthError(`Egnyte's token endpoint for "${domain}" answered without an access token.`);
      this.logger.info({ domain, grant: grant.grant_type }, 'Obtained an Egnyte access token');
      return res.data.access_token;
    } catch (err) {
      if (err instanceof AuthError) throw err;
      const status = (err as HttpClientErrorLike).response?.status;
      // 400/401: wrong key, user, password or a spent code. The endpoint throttles with 409 + Retry-After.
      if (status === 400 || status === 401 || status === 403) {
        const data = (err as HttpClientErrorLike).response?.data as { error?: string } | undefined;
        throw new AuthError(`Egnyte refused the ${kind} on "${domain}" (${data?.error ?? `HTTP ${status}`}).`, {
          action:
            grant.grant_type === 'password'
              ? 'Check credentials.egnyte clientId, username and password.'
              : 'Sign in again and put the new code in credentials.egnyte.authorizationCode (a code works once).',
        });
      }
      throw fromHttpClientError(err, `Egnyte token request for "${domain}"`);
    }
  }
}

/** Which grant a section asks for, or every key it lacks for the nearest one. */
function chooseGrant(config: EgnyteCredentialsConfig | undefined): Grant | ConfigIssue[] {
  if (config?.accessToken) return 'token';
  const need = (keys: readonly (keyof EgnyteCredentialsConfig)[], hint: string): ConfigIssue[] =>
    keys.filter((k) => !config?.[k]).map((k) => ({ key: `credentials.egnyte.${k}`, expected: `a non-empty string (${hint})` }));
  if (config?.authorizationCode) {
    const missing = need(['clientId', 'redirectUri'], 'the authorisation-code grant needs it');
    return missing.length > 0 ? missing : 'authorization_code';
  }
  const missing = need(['clientId', 'username', 'password'], 'or set credentials.egnyte.accessToken or authorizationCode instead');
  return missing.length > 0 ? missing : 'password';
}

/**
 * Makes the Egnyte credential provider from `credentials.egnyte`. Throws {@link ConfigError}
 * naming every missing key when no way to a token is complete.
 * @public
 */
export const egnyteCredentialProviderFactory: CredentialProviderFactory<EgnyteCredentialsConfig> = {
  name: 'egnyte',
  resources: ['egnyte'],
  configSchema: EgnyteCredentialsConfigSchema,
  create(config, context) {
    const grant = chooseGrant(config);
    if (Array.isArray(grant)) throw new ConfigError(grant);
    return new EgnyteCredentialProvider(config, grant, context.stateDir, context.logger.child({ credentials: 'egnyte' }));
  },
};
