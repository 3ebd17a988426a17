import { AuthError, ConfigError, type CredentialProviderFactory, Type, type Static } from '@filing-sync/core';

/**
 * The `credentials.projectwise` config section: a user and password (`Authorization: Basic`) or a
 * token (`Authorization: Token …`, Bentley IMS / OAuth2).
 * @public
 */
export const ProjectWiseCredentialsConfigSchema = Type.Object(
  {
    server: Type.Optional(Type.String({ description: 'The WSG server these credentials are for; any when omitted.', examples: ['pw.example.com'] })),
    username: Type.Optional(Type.String({ minLength: 1, description: 'ProjectWise user (Basic authorisation).' })),
    password: Type.Optional(Type.String({ minLength: 1, 'x-secret': true, description: "That user's password." })),
    token: Type.Optional(Type.String({ minLength: 1, 'x-secret': true, description: 'A Bentley IMS or OAuth2 token.' })),
  },
  { additionalProperties: false, description: 'ProjectWise credentials: username + password, or token.' },
);

/** The `credentials.projectwise` config section. */
export type ProjectWiseCredentialsConfig = Static<typeof ProjectWiseCredentialsConfigSchema>;

/**
 * Makes the ProjectWise credential provider. Throws {@link ConfigError} naming the keys when
 * neither a token nor a user with a password is set.
 * @public
 */
export const projectWiseCredentialProviderFactory: CredentialProviderFactory<ProjectWiseCredentialsConfig> = {
  name: 'projectwise',
  resources: ['projectwise'],
  configSchema: ProjectWiseCredentialsConfigSchema,
  create(config) {
    if (!config?.token && !(config?.username && config?.password)) {
      const missing = (['username', 'password'] as const).filter((k) => !config?.[k]);
      throw new ConfigError(missing.map((k) => ({ key: `credentials.projectwise.${k}`, expected: 'a non-empty string (or set credentials.projectwise.token instead)' })));
    }
    return {
      resources: ['projectwise'],
      async get(request) {
        if (config.server && request.account && config.server.toLowerCase() !== request.account.toLowerCase()) {
          throw new AuthError(`No ProjectWise credentials are configured for "${request.account}" (only for "${config.server}").`);
        }
        return config.token
          ? { type: 'bearer', accessToken: config.token }
          : { type: 'basic', username: config.username!, password: config.password! };
      },
      // Static credentials: a refused one stays refused until the config changes.
      invalidate() {},
    };
  },
};
