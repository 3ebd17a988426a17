import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
// Types only: MSAL is loaded on the first token request (see MsalCredentialProvider.application).
import type { ConfidentialClientApplication, Configuration } from '@azure/msal-node';
import {
  AuthError,
  ConfigError,
  TransientError,
  Type,
  type ConfigIssue,
  type Credential,
  type CredentialProvider,
  type CredentialProviderFactory,
  type CredentialRequest,
  type Logger,
  type Static,
  parseRetryAfter,
} from '@filing-sync/core';
import { GRAPH_DEFAULT_SCOPE } from './graph-constants.js';
import { RecordingNetworkClient, type FailedReply } from './msal-network.js';

/**
 * Wait asked of the engine after the identity platform throttled (429) or failed (5xx) a token
 * request without a readable `Retry-After`: 60 s, the time Microsoft's throttling documentation
 * names for client credentials and for which MSAL itself then refuses to send the same request.
 * @public
 */
export const TOKEN_THROTTLE_DEFAULT_MS = 60_000;

/**
 * The `credentials.microsoft-graph` config section: an app registration with a client secret or
 * a certificate, for app-only (client-credentials) access.
 * @public
 */
export const MicrosoftGraphCredentialsSchema = Type.Object(
  {
    tenantId: Type.String({ minLength: 1, description: 'Directory (tenant) id or domain of the app registration.', examples: ['contoso.onmicrosoft.com'] }),
    clientId: Type.String({ minLength: 1, description: 'Application (client) id.', examples: ['00000000-0000-0000-0000-000000000000'] }),
    clientSecret: Type.Optional(Type.String({ minLength: 1, 'x-secret': true, description: 'Client secret; or use certificate.' })),
    certificate: Type.Optional(
      Type.Object(
        {
          thumbprintSha256: Type.String({ pattern: '^[0-9A-Fa-f]{64}$', description: 'SHA-256 thumbprint of the certificate, hex.' }),
          privateKey: Type.Optional(Type.String({ minLength: 1, 'x-secret': true, description: 'PEM private key.' })),
          privateKeyFile: Type.Optional(Type.String({ minLength: 1, description: 'File holding the PEM private key.' })),
          x5c: Type.Optional(Type.String({ description: 'PEM certificate chain, sent for subject-name/issuer authentication.' })),
        },
        { additionalProperties: false },
      ),
    ),
    authorityHost: Type.String({
      format: 'uri',
      default: 'https://login.microsoftonline.com',
      description: 'Identity platform host: another cloud (https://login.microsoftonline.us) or a test double.',
    }),
  },
  { additionalProperties: false },
);

/** The config section as written. @public */
export type MicrosoftGraphCredentialsConfig = Static<typeof MicrosoftGraphCredentialsSchema>;

const MICROSOFT_AUTHORITY_HOSTS = new Set([
  'login.microsoftonline.com',
  'login.microsoftonline.us',
  'login.chinacloudapi.cn',
  'login.partner.microsoftonline.cn',
]);

/**
 * App-only Microsoft Graph credentials through MSAL's confidential client (client-credentials
 * grant with a secret or a certificate). MSAL caches the token and fetches a new one before it
 * expires; `invalidate` makes the next `get` skip the cache. Secrets stay inside MSAL and are
 * never logged.
 * @public
 */
export class MsalCredentialProvider implements CredentialProvider {
  readonly resources = ['microsoft-graph'] as const;
  private app: Promise<ConfidentialClientApplication> | undefined;
  private stale = false;
  private readonly network = new RecordingNetworkClient();
  /** Until when (epoch ms) MSAL holds token requests back after a 429/5xx it was answered. */
  private throttledUntil = 0;

  constructor(
    private readonly config: MicrosoftGraphCredentialsConfig,
    private readonly logger: Logger,
  ) {}

  /**
   * A bearer token for the request's scopes (default `https://graph.microsoft.com/.default`).
   * Rejects with AuthError when the identity platform refuses the app (wrong secret, unknown
   * client, no consent: a 4xx other than 429), and TransientError when it cannot be reached, is
   * unavailable (5xx) or throttles the app (429), with `retryAfterMs` from its `Retry-After`, or
   * {@link TOKEN_THROTTLE_DEFAULT_MS} when there is none.
   */
  async get(request: CredentialRequest, signal?: AbortSignal): Promise<Credential> {
    signal?.throwIfAborted();
    const app = await this.application();
    const skipCache = this.stale;
    this.stale = false;
    // Our own correlation id, to find the reply of this very request among concurrent ones.
    const correlationId = randomUUID();
    let result;
    try {
      result = await app.acquireTokenByClientCredential({ scopes: [...(request.scopes ?? [GRAPH_DEFAULT_SCOPE])], skipCache, correlationId });
    } catch (err) {
      if (skipCache) this.stale = true;
      throw this.classify(err, this.network.take(correlationId));
    } finally {
      this.network.take(correlationId);
    }
    if (!result?.accessToken) throw new AuthError('The identity platform returned no access token for Microsoft Graph.');
    return { type: 'bearer', accessToken: result.accessToken, ...(result.expiresOn ? { expiresAt: result.expiresOn } : {}) };
  }

  /**
   * MSAL's failures in the taxonomy. Throttling (429) and server errors (5xx) come first, as
   * passing: TransientError with the wait asked for. MSAL then refuses the same request itself
   * until that wait is over, with an error that has no status: inside that window it is the same
   * TransientError with the time left. Other refusals (4xx, OAuth error codes) are AuthError;
   * everything else (no reply, unreadable reply) is TransientError.
   */
  private classify(err: unknown, reply: FailedReply | undefined): Error {
    if (err instanceof ConfigError) return err;
    const c = this.config;
    const e = err as { errorCode?: unknown; errorMessage?: string; message?: string; status?: number };
    const status = e.status ?? reply?.status;
    if (status === 429 || (status !== undefined && status >= 500 && status < 600)) {
      const retryAfterMs = parseRetryAfter(reply?.retryAfter) ?? TOKEN_THROTTLE_DEFAULT_MS;
      this.throttledUntil = Date.now() + retryAfterMs;
      const why = status === 429 ? 'is throttling token requests' : `is unavailable (HTTP ${status})`;
      return new TransientError(`The Microsoft identity platform ${why} for app ${c.clientId}; retrying in ${Math.ceil(retryAfterMs / 1000)} s`, {
        cause: err,
        retryAfterMs,
      });
    }
    if (e.status === undefined && reply === undefined && Date.now() < this.throttledUntil) {
      const retryAfterMs = this.throttledUntil - Date.now();
      return new TransientError(`Token requests for app ${c.clientId} are held back after throttling for ${Math.ceil(retryAfterMs / 1000)} s more`, {
        cause: err,
        retryAfterMs,
      });
    }
    return classify(err, c, reply);
  }

  /** Makes the next `get` fetch a fresh token instead of MSAL's cached one. */
  invalidate(): void {
    this.stale = true;
  }

  /**
   * MSAL's client for this app, made (and @azure/msal-node loaded) on the first request, so a
   * host that offers these credentials loads MSAL only when they are used. Rejects with
   * ConfigError when the certificate's key file cannot be read; a failed attempt is not kept.
   */
  private application(): Promise<ConfidentialClientApplication> {
    this.app ??= this.makeApplication().catch((err: unknown) => {
      this.app = undefined;
      throw err;
    });
    return this.app;
  }

  private async makeApplication(): Promise<ConfidentialClientApplication> {
    const { ConfidentialClientApplication } = await import('@azure/msal-node');
    const c = this.config;
    const authorityHost = (c.authorityHost ?? 'https://login.microsoftonline.com').replace(/\/+$/, '');
    const host = new URL(authorityHost).host;
    const auth: Configuration['auth'] = {
      clientId: c.clientId,
      authority: `${authorityHost}/${encodeURIComponent(c.tenantId)}`,
      // A host outside Microsoft's clouds (a sovereign deployment or a test double) is trusted
      // as given, so MSAL asks it for OpenID metadata instead of Microsoft's instance discovery.
      ...(MICROSOFT_AUTHORITY_HOSTS.has(host) ? {} : { knownAuthorities: [host] }),
    };
    if (c.clientSecret) auth.clientSecret = c.clientSecret;
    else if (c.certificate) {
      const privateKey = c.certificate.privateKey ?? readKeyFile(c.certificate.privateKeyFile);
      auth.clientCertificate = {
        thumbprintSha256: c.certificate.thumbprintSha256.toLowerCase(),
        privateKey,
        ...(c.certificate.x5c ? { x5c: c.certificate.x5c } : {}),
      };
    }
    const logger = this.logger;
    return new ConfidentialClientApplication({
      auth,
      system: {
        // Keeps the status and Retry-After of failed replies, which MSAL's errors do not carry.
        networkClient: this.network,
        loggerOptions: {
          piiLoggingEnabled: false,
          loggerCallback: (_level, message) => logger.debug({ msal: message }, 'msal'),
        },
      },
    });
  }
}

function readKeyFile(file: string | undefined): string {
  if (!file) throw new ConfigError([{ key: 'credentials.microsoft-graph.certificate', expected: 'privateKey or privateKeyFile' }]);
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError([{ key: 'credentials.microsoft-graph.certificate.privateKeyFile', expected: 'a readable PEM file', found: file }], { cause: err });
  }
}

/** MSAL's other failures in the taxonomy: refusals are AuthError, everything else is passing. */
function classify(err: unknown, config: MicrosoftGraphCredentialsConfig, reply: FailedReply | undefined): Error {
  const e = err as { errorCode?: unknown; errorMessage?: string; message?: string; status?: number };
  // A string for the identity platform's OAuth errors; anything else (a body of another form) is not a code.
  const code = typeof e.errorCode === 'string' ? e.errorCode : '';
  const text = `${code}${e.errorMessage ? `: ${e.errorMessage.split('\n')[0]}` : ''}`;
  const refused = ['invalid_client', 'unauthorized_client', 'invalid_grant', 'invalid_scope', 'invalid_request', 'unsupported_grant_type', 'consent_required'];
  if (refused.includes(code) || (e.status !== undefined && e.status >= 400 && e.status < 500)) {
    return new AuthError(`Microsoft identity platform refused app ${config.clientId} in tenant ${config.tenantId} (${text})`, {
      cause: err,
      action: 'Check tenantId, clientId and the client secret or certificate of the app registration, and that admin consent was granted.',
    });
  }
  const answered = reply ? `HTTP ${reply.status}, ` : '';
  return new TransientError(`Could not obtain a Microsoft Graph token (${answered}${text || e.message || String(err)})`, { cause: err });
}

/** Checks a section beyond its schema: exactly one of secret and certificate. */
function checkConfig(config: unknown): MicrosoftGraphCredentialsConfig {
  const issues: ConfigIssue[] = [];
  const key = 'credentials.microsoft-graph';
  const c = (config ?? {}) as Partial<MicrosoftGraphCredentialsConfig>;
  if (typeof c.tenantId !== 'string' || c.tenantId === '') issues.push({ key: `${key}.tenantId`, expected: 'the directory (tenant) id' });
  if (typeof c.clientId !== 'string' || c.clientId === '') issues.push({ key: `${key}.clientId`, expected: 'the application (client) id' });
  if (!c.clientSecret === !c.certificate) issues.push({ key, expected: 'exactly one of clientSecret and certificate' });
  if (c.certificate) {
    if (!/^[0-9A-Fa-f]{64}$/.test(c.certificate.thumbprintSha256 ?? '')) {
      issues.push({ key: `${key}.certificate.thumbprintSha256`, expected: '64 hex digits (SHA-256 thumbprint)' });
    }
    if (!c.certificate.privateKey === !c.certificate.privateKeyFile) {
      issues.push({ key: `${key}.certificate`, expected: 'exactly one of privateKey and privateKeyFile' });
    }
  }
  if (c.authorityHost !== undefined && !/^https:\/\/[^/]+\/?$/.test(c.authorityHost)) {
    issues.push({ key: `${key}.authorityHost`, expected: 'an https:// URL with no path', found: JSON.stringify(c.authorityHost) });
  }
  if (issues.length > 0) throw new ConfigError(issues);
  return c as MicrosoftGraphCredentialsConfig;
}

/**
 * The `microsoft-graph` credential provider factory for the service host: app-only access
 * through MSAL's confidential client. Register it under the core's `CredentialProviderFactory`
 * token in the host's composition root.
 * @public
 */
export const microsoftGraphCredentials: CredentialProviderFactory<MicrosoftGraphCredentialsConfig> = {
  name: 'microsoft-graph',
  resources: ['microsoft-graph'],
  configSchema: MicrosoftGraphCredentialsSchema,
  create(config, context) {
    return new MsalCredentialProvider(checkConfig(config), context.logger);
  },
};
