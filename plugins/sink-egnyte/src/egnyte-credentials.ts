import axios from 'axios';
import {
  AuthError,
  ConfigError,
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
 * The `credentials.egnyte` config section: either an access token (from the authorisation-code
 * flow, which the desktop host runs itself) or an internal application's key with a user for the
 * OAuth password grant.
 * @public
 */
export const EgnyteCredentialsConfigSchema = Type.Object(
  {
    domain: Type.Optional(
      Type.String({ description: 'The Egnyte domain these credentials are for (acme for acme.egnyte.com); any when omitted.', examples: ['acme'] }),
    ),
    accessToken: Type.Optional(
      Type.String({ minLength: 1, 'x-secret': true, description: 'A bearer token from the authorisation-code flow. Egnyte tokens do not expire.' }),
    ),
    clientId: Type.Optional(Type.String({ minLength: 1, description: 'API key of an internal application (password grant).' })),
    clientSecret: Type.Optional(Type.String({ minLength: 1, 'x-secret': true, description: 'Its secret, when the key has one.' })),
    username: Type.Optional(Type.String({ minLength: 1, description: 'Egnyte user for the password grant.' })),
    password: Type.Optional(Type.String({ minLength: 1, 'x-secret': true, description: "That user's password." })),
    baseUrl: Type.Optional(
      Type.String({ default: 'https://{domain}.egnyte.com', pattern: '^https?://', description: 'Token endpoint root; `{domain}` is replaced.' }),
    ),
  },
  { additionalProperties: false, description: 'Egnyte credentials: accessToken, or clientId + username + password.' },
);

/** The `credentials.egnyte` config section. */
export type EgnyteCredentialsConfig = Static<typeof EgnyteCredentialsConfigSchema>;

/**
 * Bearer tokens for Egnyte: a configured token, or one from the password grant
 * (`POST /puboauth/token`, `grant_type=password`), kept until the API refuses it.
 */
class EgnyteCredentialProvider implements CredentialProvider {
  readonly resources = ['egnyte'] as const;
  private readonly tokens = new Map<string, Promise<string>>();

  constructor(
    private readonly config: EgnyteCredentialsConfig,
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
    if (this.config.accessToken) return { type: 'bearer', accessToken: this.config.accessToken, account: domain };
    let token = this.tokens.get(domain);
    if (!token) {
      token = this.passwordGrant(domain, signal);
      this.tokens.set(domain, token);
      token.catch(() => this.tokens.delete(domain));
    }
    return { type: 'bearer', accessToken: await token, account: domain };
  }

  invalidate(request: CredentialRequest): void {
    if (request.account) this.tokens.delete(request.account.toLowerCase());
  }

  private async passwordGrant(domain: string, signal?: AbortSignal): Promise<string> {
    const base = (this.config.baseUrl ?? 'https://{domain}.egnyte.com').replaceAll('{domain}', domain).replace(/\/+$/, '');
    const form = new URLSearchParams({
      grant_type: 'password',
      client_id: this.config.clientId!,
      username: this.config.username!,
      password: this.config.password!,
      ...(this.config.clientSecret ? { client_secret: this.config.clientSecret } : {}),
    });
    try {
      const res = await axios.post<{ access_token?: string }>(`${base}/puboauth/token`, form.toString(), {
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        signal,
        timeout: 60_000,
      });
      if (!res.data?.access_token) throw new AuthError(`Egnyte's token endpoint for "${domain}" answered without an access token.`);
      this.logger.info({ domain }, 'Obtained an Egnyte access token (password grant)');
      return res.data.access_token;
    } catch (err) {
      if (err instanceof AuthError) throw err;
      const status = (err as HttpClientErrorLike).response?.status;
      // 400/401: wrong key, user or password. The token endpoint throttles with 409 + Retry-After.
      if (status === 400 || status === 401 || status === 403) {
        const data = (err as HttpClientErrorLike).response?.data as { error?: string } | undefined;
        throw new AuthError(`Egnyte refused the password grant for "${this.config.username}" on "${domain}" (${data?.error ?? `HTTP ${status}`}).`, {
          action: 'Check credentials.egnyte clientId, username and password.',
        });
      }
      throw fromHttpClientError(err, `Egnyte token request for "${domain}"`);
    }
  }
}

/**
 * Makes the Egnyte credential provider from `credentials.egnyte`. Throws {@link ConfigError}
 * naming the missing keys when neither an access token nor a complete password grant is set.
 * @public
 */
export const egnyteCredentialProviderFactory: CredentialProviderFactory<EgnyteCredentialsConfig> = {
  name: 'egnyte',
  resources: ['egnyte'],
  configSchema: EgnyteCredentialsConfigSchema,
  create(config, context) {
    if (!config?.accessToken) {
      const missing = (['clientId', 'username', 'password'] as const).filter((k) => !config?.[k]);
      if (missing.length > 0) {
        throw new ConfigError(
          missing.map((k) => ({ key: `credentials.egnyte.${k}`, expected: 'a non-empty string (or set credentials.egnyte.accessToken instead)' })),
        );
      }
    }
    return new EgnyteCredentialProvider(config, context.logger.child({ credentials: 'egnyte' }));
  },
};
