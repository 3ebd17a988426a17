import {
  AuthError,
  ConfigError,
  type Credential,
  type CredentialProvider,
  type CredentialProviderFactory,
  type CredentialRequest,
  Type,
  type Static,
} from '@filing-sync/core';
import { CREDENTIAL_RESOURCE, PLUGIN_NAME } from './plugin-info.js';

/** The resource name WebDAV sinks ask the credential broker for. */
export const WEBDAV_RESOURCE = CREDENTIAL_RESOURCE;

/**
 * The `credentials.<plugin name>` config section: a user and password (HTTP Basic), or a bearer token.
 * Secrets are marked `"x-secret": true`, so the host keeps them out of logs.
 * @public
 */
export const WebDavCredentialsConfigSchema = Type.Object(
  {
    host: Type.Optional(Type.String({ minLength: 1, description: 'Server host these credentials are for (any when omitted).', examples: ['dav.example.com'] })),
    username: Type.Optional(Type.String({ minLength: 1, description: 'User for HTTP Basic authentication.' })),
    password: Type.Optional(Type.String({ minLength: 1, 'x-secret': true, description: "That user's password (or app password)." })),
    token: Type.Optional(Type.String({ minLength: 1, 'x-secret': true, description: 'A bearer token, instead of username and password.' })),
  },
  { additionalProperties: false, description: 'WebDAV credentials: username + password, or token.' },
);

/** The `credentials.<plugin name>` config section. */
export type WebDavCredentialsConfig = Static<typeof WebDavCredentialsConfigSchema>;

/** Hands out the configured credential; static secrets need no refresh. */
class StaticWebDavCredentialProvider implements CredentialProvider {
  readonly resources = [WEBDAV_RESOURCE] as const;

  constructor(private readonly config: WebDavCredentialsConfig) {}

  async get(request: CredentialRequest): Promise<Credential> {
    if (this.config.host && request.account && this.config.host.toLowerCase() !== request.account.toLowerCase()) {
      throw new AuthError(`No WebDAV credentials are configured for host "${request.account}" (only for "${this.config.host}").`, {
        action: `Add credentials for that host under credentials.${PLUGIN_NAME}, or correct the target URI.`,
      });
    }
    if (this.config.token) return { type: 'bearer', accessToken: this.config.token };
    return { type: 'basic', username: this.config.username!, password: this.config.password! };
  }

  invalidate(): void {
    // A static secret cannot be refreshed: the next request fails again and becomes an AuthError.
  }
}

/**
 * Makes the provider for the `credentials.<plugin name>` section. Throws {@link ConfigError} naming the
 * keys when neither a token nor a username with a password is given.
 * @public
 */
export const webDavCredentialProviderFactory: CredentialProviderFactory<WebDavCredentialsConfig> = {
  name: PLUGIN_NAME,
  resources: [WEBDAV_RESOURCE],
  configSchema: WebDavCredentialsConfigSchema,
  create(config) {
    if (!config.token && !(config.username && config.password)) {
      throw new ConfigError([
        { key: `credentials.${PLUGIN_NAME}`, expected: 'either "token", or both "username" and "password"' },
      ]);
    }
    return new StaticWebDavCredentialProvider(config);
  },
};
