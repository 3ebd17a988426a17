/**
 * Token under which every {@link CredentialProvider} is registered (multi-registration).
 * Hosts differ in which providers they register: app-only for the service host, the user's
 * interactive sign-in for the desktop host.
 * @public
 */
export const CredentialProvider = Symbol.for('filing-sync.CredentialProvider');

/** What a sink asks for. */
export interface CredentialRequest {
  /**
   * The service the credential is for, e.g. `microsoft-graph`, `dropbox`, `box`, `egnyte`,
   * `projectwise`, `filing-service`.
   */
  resource: string;
  /** Account or tenant within that service, when more than one is configured (e.g. an Egnyte domain). */
  account?: string;
  /** OAuth scopes, when the service uses them. */
  scopes?: readonly string[];
}

/** A credential handed to a sink. Never logged. */
export type Credential =
  | { type: 'bearer'; accessToken: string; expiresAt?: Date; account?: string }
  | { type: 'basic'; username: string; password: string }
  | { type: 'secret'; values: Readonly<Record<string, string>> };

/**
 * Turns "I need a credential for resource X" into a credential, refreshing it as needed.
 * Never logs secrets.
 * @public
 */
export interface CredentialProvider {
  /** Resources this provider serves. */
  readonly resources: readonly string[];
  /**
   * A valid credential for the request, refreshed when within a minute of expiry.
   * Rejects with {@link AuthError} when none is configured or the service refuses the refresh
   * (the user must sign in again or fix the secret), {@link TransientError} when the token
   * endpoint cannot be reached.
   */
  get(request: CredentialRequest, signal?: AbortSignal): Promise<Credential>;
  /**
   * Forgets a credential the service just refused (HTTP 401), so the next `get` fetches a new one.
   * Never rejects.
   */
  invalidate(request: CredentialRequest): void;
}

/**
 * The one object sinks use for credentials: routes each request to the provider that serves its
 * resource. Provided by the core over every registered {@link CredentialProvider}.
 * @public
 */
export const CredentialBroker = Symbol.for('filing-sync.CredentialBroker');

/** See {@link CredentialBroker}. Same error behaviour as {@link CredentialProvider}. */
export interface CredentialBroker {
  get(request: CredentialRequest, signal?: AbortSignal): Promise<Credential>;
  invalidate(request: CredentialRequest): void;
}

/**
 * Token under which hosts register {@link CredentialProviderFactory}s (multi-registration).
 * @public
 */
export const CredentialProviderFactory = Symbol.for('filing-sync.CredentialProviderFactory');

/**
 * Makes a {@link CredentialProvider} from its config section `credentials.<name>`.
 * Hosts choose which factories to register: app-only ones for the service host, interactive
 * sign-in for the desktop host.
 * @public
 */
export interface CredentialProviderFactory<Config = unknown> {
  /** Section name under `credentials` in the config, e.g. `microsoft-graph`. */
  readonly name: string;
  /** Resources the providers it makes serve. */
  readonly resources: readonly string[];
  /** JSON Schema (TypeBox) of its config section; secrets marked `"x-secret": true`. */
  readonly configSchema: import('@sinclair/typebox').TSchema;
  /**
   * Makes the provider. Does no I/O. Throws {@link ConfigError} when the section cannot be used.
   */
  create(config: Config, context: { logger: import('pino').Logger; stateDir: string }): CredentialProvider;
}
