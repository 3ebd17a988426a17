import { readFileSync } from 'node:fs';
import path from 'node:path';
import {
  ConfigError,
  type ConfigIssue,
  type CredentialProviderFactory,
  type Static,
  Type,
  lazyCredentialProvider,
  setPath,
  validateConfig,
} from '@filing-sync/core';
import { BoxEndpointsSchema, checkUrls, endpoints } from './box-config.js';
// Types only: box-node-sdk is loaded with the provider, on the first credential request.
import type { BoxTransportOptions } from './box-network.js';

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

/**
 * The parts of a Box app config file (JWT) that filing-sync and the SDK read; the developer
 * console writes more, which is left alone.
 */
const BoxAppConfigFileSchema = Type.Object({
  boxAppSettings: Type.Object({
    clientID: Type.String({ minLength: 1 }),
    clientSecret: secret('Client secret of the Box app.'),
    appAuth: Type.Object({ publicKeyID: Type.String({ minLength: 1 }), privateKey: secret('PEM private key of the app.'), passphrase: Type.String({ 'x-secret': true }) }),
  }),
  enterpriseID: Type.Optional(Type.String()),
  userID: Type.Optional(Type.String()),
});

/**
 * A checked `credentials.box` section, as {@link boxTokenProvider} turns it into an SDK auth
 * class: what the config named, with defaults and files resolved.
 */
export type BoxAuthPlan = { endpoints: { baseUrl?: string; uploadUrl?: string } } & (
  | { method: 'ccg'; clientId: string; clientSecret: string; enterpriseId?: string; userId?: string }
  | { method: 'oauth'; clientId: string; clientSecret: string; tokenFile: string; refreshToken?: string }
  | { method: 'jwt'; json: string; userId?: string; /** The config key the JSON came from, for errors. */ key: string }
);

/**
 * Makes the `box` credential provider for a checked plan; box-node-sdk and its auth classes are
 * loaded on the provider's first `get`, so a host that offers Box credentials but has none
 * configured never loads them.
 */
function lazyBoxProvider(plan: BoxAuthPlan, transport: BoxTransportOptions) {
  return lazyCredentialProvider(['box'], async () => (await import('./box-token-provider.js')).boxTokenProvider(plan, transport));
}

/**
 * Makes `box` credential providers from the `credentials.box` section. Does no I/O beyond reading
 * a JWT config file, and loads no SDK: each provider loads box-node-sdk and its
 * {@link BoxTokenProvider} on its first `get`. Throws {@link ConfigError} listing every bad key,
 * the JWT app config's included. `transport` tunes the SDK's HTTPS agent (e.g. a CA for an API double).
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
    const urls = endpoints(config);
    if (config.method === 'ccg') {
      need('clientId', config.clientId, 'the client id of the Box app');
      need('clientSecret', config.clientSecret, 'the client secret of the Box app');
      if (!config.enterpriseId === !config.userId) issues.push({ key: `${key}.enterpriseId`, expected: 'exactly one of enterpriseId or userId' });
      if (issues.length) throw new ConfigError(issues);
      const subject = config.userId ? { userId: config.userId } : { enterpriseId: config.enterpriseId! };
      return lazyBoxProvider({ method: 'ccg', endpoints: urls, clientId: config.clientId, clientSecret: config.clientSecret, ...subject }, transport);
    }
    if (config.method === 'oauth') {
      need('clientId', config.clientId, 'the client id of the Box app');
      need('clientSecret', config.clientSecret, 'the client secret of the Box app');
      if (config.refreshToken !== undefined) need('refreshToken', config.refreshToken, 'the refresh token from the Box sign-in (or leave it out when the sign-in keeps tokenFile)');
      if (issues.length) throw new ConfigError(issues);
      const tokenFile = config.tokenFile ?? path.join(context.stateDir, 'box-oauth-tokens.json');
      return lazyBoxProvider({ method: 'oauth', endpoints: urls, clientId: config.clientId, clientSecret: config.clientSecret, tokenFile, ...(config.refreshToken ? { refreshToken: config.refreshToken } : {}) }, transport);
    }
    if (!config.configFile === !config.configJson) issues.push({ key: `${key}.configFile`, expected: 'exactly one of configFile or configJson' });
    if (issues.length) throw new ConfigError(issues);
    let json: string;
    try {
      json = config.configJson ?? readFileSync(config.configFile!, 'utf8');
    } catch (err) {
      throw new ConfigError([{ key: `${key}.configFile`, expected: 'a readable Box app config file', found: `${config.configFile} (${(err as Error).message})` }]);
    }
    const jsonKey = config.configJson ? `${key}.configJson` : `${key}.configFile`;
    let parsed: unknown;
    try {
      parsed = JSON.parse(json);
    } catch {
      // Not the parser's message: it quotes the text, which holds the private key.
      throw new ConfigError([{ key: jsonKey, expected: 'a Box app config in JSON (as downloaded from the Box developer console)' }]);
    }
    // Checked here, at boot, although the SDK reads it only on the first credential request.
    const holder: Record<string, unknown> = {};
    setPath(holder, jsonKey, parsed);
    validateConfig(holder, [{ path: jsonKey, schema: BoxAppConfigFileSchema }]);
    return lazyBoxProvider({ method: 'jwt', endpoints: urls, json, key: jsonKey, ...(config.userId ? { userId: config.userId } : {}) }, transport);
  },
};
}

/** The Box credential provider factory with the SDK's default transport. */
export const boxCredentialProviderFactory: CredentialProviderFactory<BoxCredentialsConfig> = createBoxCredentialProviderFactory();
